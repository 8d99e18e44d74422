"""App configuration for the catalogue."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "daur.catalog"
    verbose_name = "Catalogue"
