"""App configuration for the service desk."""

from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "daur.servicedesk"
    verbose_name = "Service desk"
