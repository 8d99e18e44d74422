"""App configuration for engagement."""

from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "daur.engagement"
    verbose_name = "Engagement"
