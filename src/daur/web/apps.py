"""App configuration for the web application."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "daur.web"
    verbose_name = "Web"
