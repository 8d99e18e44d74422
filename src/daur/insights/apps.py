"""App configuration for insights."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "daur.insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from daur.insights.lead_follow import lead_saved
        from daur.leads.models import Lead

        # A lead saved through the ORM copies its owner and expected value onto its score.
        post_save.connect(lead_saved, sender=Lead, dispatch_uid="daur.insights.lead_saved")
