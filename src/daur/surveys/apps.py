"""App configuration for surveys."""

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "daur.surveys"
    verbose_name = "Surveys"
