"""What the web pages store: the dashboard's aggregates of each scoring run."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DashboardFacts(models.Model):
    """The dashboard's figures of one scoring run, grouped by customer owner (see dashboard_facts).

    Written at the end of `daur score` so that a dashboard request reads one small row instead
    of scanning the base; rows added after it (customers, orders, answers) are counted on top.
    """

    run = models.OneToOneField(
        "insights.ScoringRun", on_delete=models.CASCADE, related_name="dashboard_facts"
    )
    computed_at = models.DateTimeField(_("computed"), auto_now_add=True)
    seconds = models.FloatField(_("seconds"), default=0)
    # {"as_of": "YYYY-MM-DD", "marks": {"customer": id, "order": id, "answer": id},
    #  "owners": {"<owner id or '-'>": {...figures...}}}
    facts = models.JSONField(_("figures"), default=dict)

    class Meta:
        verbose_name = _("dashboard figures")
        verbose_name_plural = _("dashboard figures")

    def __str__(self) -> str:
        return f"dashboard of run {self.run_id}"
