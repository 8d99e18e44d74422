"""What the web pages store: the dashboard's aggregates of each scoring run."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DashboardFacts(models.Model):
    """The dashboard's figures of one scoring run for one scope (see web.dashboard_facts).

    Written at the end of `daur score`, one row for the whole base ("all") and one per customer
    owner (the owner's id, "-" for customers without one): a manager's dashboard reads the first,
    a sales rep's their own, instead of scanning the base. Customers, orders and survey answers
    written after the run (ids above `marks`) are counted on top at request time.
    """

    ALL = "all"

    run = models.ForeignKey(
        "insights.ScoringRun", on_delete=models.CASCADE, related_name="dashboard_facts"
    )
    scope = models.CharField(_("scope"), max_length=32)
    computed_at = models.DateTimeField(_("computed"), auto_now_add=True)
    seconds = models.FloatField(_("seconds"), default=0)
    # {"as_of": "YYYY-MM-DD", "marks": {"customer": id, "order": id, "answer": id},
    #  "figures": {...}} (dashboard_facts._empty lists the figures)
    facts = models.JSONField(_("figures"), default=dict)

    class Meta:
        verbose_name = _("dashboard figures")
        verbose_name_plural = _("dashboard figures")
        constraints = [
            models.UniqueConstraint(fields=["run", "scope"], name="dashboard_facts_scope_unique")
        ]

    def __str__(self) -> str:
        return f"dashboard of run {self.run_id}, {self.scope}"
