"""App configuration for customers."""

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "daur.customers"
    verbose_name = "Customers"
