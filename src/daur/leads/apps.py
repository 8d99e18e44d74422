"""App configuration for leads."""

from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "daur.leads"
    verbose_name = "Leads"
