"""App configuration for interchange (the record of each import)."""

from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "daur.interchange"
    verbose_name = "Imports"
    default_auto_field = "django.db.models.BigAutoField"
