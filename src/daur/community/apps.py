"""App configuration for the community: events and clubs."""

from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "daur.community"
    verbose_name = "Community"
