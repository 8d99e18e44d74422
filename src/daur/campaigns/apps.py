"""App configuration for campaigns."""

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "daur.campaigns"
    verbose_name = "Campaigns"
