"""App configuration for insights."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "daur.insights"
    verbose_name = "Insights"
