"""App configuration for sales."""

from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "daur.sales"
    verbose_name = "Sales"
