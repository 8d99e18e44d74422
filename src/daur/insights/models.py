"""What scoring stores: current scores, each run with its fits, stage history and alerts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from daur.analytics.lifecycle import LIFECYCLE_STAGES
from daur.analytics.orientation import ORIENTATIONS
from daur.analytics.rfm import SEGMENTS
from daur.analytics.strategy import STRATEGIES
from daur.db.expressions import any_of
from daur.definitions.worklist import (
    WORKLIST_STRATEGIES,
    customer_at_stake_expr,
    lead_at_stake_expr,
)
from daur.insights.run_models import (  # noqa: F401 - models of this app, kept importable here
    ScoreChange,
    ScoringRange,
    ScoringRangeColumn,
    ScoringRun,
    ScoringState,
    ScoringStateColumn,
)
from daur.leads.models import Lead
from daur.records import MONEY, vocabulary_choices


class CustomerScore(models.Model):
    """The current answers for one customer (SPEC §3 score export), replaced by every run."""

    customer = models.OneToOneField(
        "customers.Customer", primary_key=True, on_delete=models.CASCADE, related_name="score"
    )
    run = models.ForeignKey(ScoringRun, null=True, on_delete=models.SET_NULL, related_name="+")
    as_of = models.DateField(_("as of"))
    lifecycle_stage = models.CharField(
        _("life-cycle stage"), max_length=16, choices=vocabulary_choices(LIFECYCLE_STAGES)
    )
    types = models.CharField(_("types"), max_length=255, blank=True)  # ";"-separated
    type_bits = models.IntegerField(_("type bits"), default=0)  # bit i = TYPE_LABELS[i]
    orientation = models.CharField(
        _("orientation"), max_length=16, blank=True, choices=vocabulary_choices(ORIENTATIONS)
    )
    loyalty_score = models.PositiveSmallIntegerField(_("loyalty score"), default=0)
    rfm_r = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_f = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_m = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_segment = models.CharField(
        _("RFM segment"), max_length=32, blank=True, choices=[(s, _(s)) for s in SEGMENTS]
    )
    p_alive = models.FloatField(_("P(alive)"), null=True, blank=True)
    expected_orders_90d = models.FloatField(_("expected orders in 90 days"), null=True, blank=True)
    expected_order_value = models.FloatField(_("expected order value"), null=True, blank=True)
    clv_12m = models.FloatField(_("12-month CLV"), null=True, blank=True)
    strategy = models.CharField(
        _("strategy"), max_length=16, blank=True, choices=vocabulary_choices(STRATEGIES)
    )
    strategy_reasons = models.TextField(_("strategy reasons"), blank=True)
    scored_at = models.DateTimeField(_("scored"))
    realtime = models.BooleanField(
        _("re-scored in real time"),
        default=False,
        help_text=_("Re-scored after a new order, ticket, answer or interaction."),
    )
    # The CLV at risk (daur.definitions.worklist), computed by the database on every write of
    # the row (a batch run, a real-time re-score), so that the worklist reads it from an index.
    value_at_stake = models.GeneratedField(
        expression=customer_at_stake_expr(prefix=""),
        output_field=models.FloatField(),
        db_persist=True,
        verbose_name=_("CLV at risk"),
    )

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")
        indexes = [
            models.Index(fields=["lifecycle_stage", "customer"], name="score_stage_idx"),
            models.Index(fields=["rfm_segment", "customer"], name="score_segment_idx"),
            models.Index(fields=["strategy", "customer"], name="score_strategy_idx"),
            # The customer list's keyset pages by CLV and by P(alive), and an RFM cell's first
            # page by CLV read from one index range.
            models.Index(fields=["clv_12m", "customer"], name="score_clv_keyset_idx"),
            models.Index(fields=["p_alive", "customer"], name="score_p_alive_keyset_idx"),
            models.Index(
                fields=["rfm_r", "rfm_f", "clv_12m", "customer"], name="score_rfm_cell_clv_idx"
            ),
            # /today/'s customers, by CLV at risk (insights migration 0008).
            models.Index(
                fields=["-value_at_stake", "customer"],
                condition=any_of("strategy", WORKLIST_STRATEGIES),
                name="score_worklist_idx",
            ),
            # Their count, up to 201: the rep's customer ids merged with these, read from the
            # index alone (insights migration 0016; it read every score in id order, 6 ms at
            # 1,000,000 customers, now 0.5).
            models.Index(
                fields=["customer"],
                condition=any_of("strategy", WORKLIST_STRATEGIES),
                name="score_worklist_customer_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.lifecycle_stage}"

    @property
    def type_list(self) -> list[str]:
        return [t for t in self.types.split(";") if t]


class StageChange(models.Model):
    """A move between life-cycle stages; `regained` when it came back from lapsed or lost."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="stage_changes",
        db_index=False,  # stage_change_customer_idx starts with it
    )
    changed_on = models.DateField(_("changed on"))
    from_stage = models.CharField(_("from"), max_length=16, blank=True)
    to_stage = models.CharField(_("to"), max_length=16)
    regained = models.BooleanField(_("regained"), default=False)
    run = models.ForeignKey(ScoringRun, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["customer", "changed_on"], name="stage_change_customer_idx"),
            models.Index(fields=["changed_on", "to_stage"], name="stage_change_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} → {self.to_stage} on {self.changed_on}"


class DashboardFacts(models.Model):
    """The dashboard's figures of one scoring run for one scope (insights.dashboard_figures).

    Written at the end of `daur score`, one row for the whole base ("all") and one per customer
    owner (the owner's id, "-" for customers without one): a manager's dashboard reads the first,
    a sales rep's their own, instead of scanning the base. Customers, orders and survey answers
    written after the run (ids above `marks`) are counted on top at request time.
    """

    ALL = "all"

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="dashboard_facts")
    scope = models.CharField(_("scope"), max_length=32)
    computed_at = models.DateTimeField(_("computed"), auto_now_add=True)
    seconds = models.FloatField(_("seconds"), default=0)
    # {"as_of": "YYYY-MM-DD", "marks": {"customer": id, "order": id, "answer": id},
    #  "figures": {...}} (dashboard_figures._empty lists the figures)
    facts = models.JSONField(_("figures"), default=dict)

    class Meta:
        verbose_name = _("dashboard figures")
        verbose_name_plural = _("dashboard figures")
        constraints = [
            models.UniqueConstraint(fields=["run", "scope"], name="dashboard_facts_scope_unique")
        ]

    def __str__(self) -> str:
        return f"dashboard of run {self.run_id}, {self.scope}"


class Alert(models.Model):
    """A significant drop in a segment's orders or spend against its own baseline (SPEC §1.7)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    run = models.ForeignKey(ScoringRun, null=True, on_delete=models.SET_NULL, related_name="alerts")
    as_of = models.DateField(_("as of"))
    segment_kind = models.CharField(_("segment kind"), max_length=32)  # rfm_segment, type, market…
    segment = models.CharField(_("segment"), max_length=255)
    metric = models.CharField(_("metric"), max_length=16)  # orders or spend
    window_days = models.PositiveSmallIntegerField(_("window (days)"))
    expected = models.FloatField(_("expected from the baseline"))
    observed = models.FloatField(_("observed"))
    change = models.FloatField(_("change"), help_text=_("observed / expected - 1"))
    p_value = models.FloatField(_("p-value"))
    customer_count = models.PositiveIntegerField(_("customers in the segment"))
    customers = models.JSONField(_("customers behind it"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default="open")

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="alert_status_idx")]

    def __str__(self) -> str:
        return f"{self.segment_kind} {self.segment}: {self.metric} {self.change:+.0%}"

    @classmethod
    def of_drop(
        cls,
        *,
        run: ScoringRun,
        segment_kind: str,
        segment: str,
        metric: str,
        window_days: int,
        result: Any,
        index: int,
        customer_count: int,
        customers: list,
    ) -> Alert:
        """An unsaved alert for segment `index` of a drop test's result (daur.analytics.alerts:
        arrays of expected, observed, change and p-value, one entry a segment)."""
        return cls(
            run=run,
            as_of=run.as_of,
            segment_kind=segment_kind,
            segment=segment,
            metric=metric,
            window_days=window_days,
            expected=float(result.expected[index]),
            observed=float(result.observed[index]),
            change=float(result.change[index]),
            p_value=float(result.p_value[index]),
            customer_count=customer_count,
            customers=customers,
        )


# --- Lead score (docs/lead_score.md) ---------------------------------------------------------
LEAD_SCORE_BASES = ("model", "prior")


class LeadScoreModel(models.Model):
    """One learning of the lead score: the model's coefficients (or the per-channel prior) that
    scored the open leads, and its check on the held-out closed leads. The last one re-scores
    leads in real time."""

    created_at = models.DateTimeField(_("learned"), auto_now_add=True)
    run = models.ForeignKey(ScoringRun, null=True, on_delete=models.SET_NULL, related_name="+")
    as_of = models.DateField(_("as of"))
    basis = models.CharField(_("basis"), max_length=8, choices=vocabulary_choices(LEAD_SCORE_BASES))
    reason = models.TextField(_("reason"), blank=True)  # why the prior, when it is
    parameters = models.JSONField(_("parameters"), default=dict)  # daur.analytics.lead_score
    quality = models.JSONField(_("quality"), default=dict, blank=True)  # Brier, AUC, calibration
    n_open = models.PositiveIntegerField(_("open leads scored"), default=0)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead score model")
        verbose_name_plural = _("lead score models")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.as_of} ({self.basis})"


class LeadScore(models.Model):
    """The current score of one open lead: its probability of being won and what moved it."""

    lead = models.OneToOneField(
        "leads.Lead", primary_key=True, on_delete=models.CASCADE, related_name="score"
    )
    model = models.ForeignKey(
        LeadScoreModel, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    run = models.ForeignKey(ScoringRun, null=True, on_delete=models.SET_NULL, related_name="+")
    as_of = models.DateField(_("as of"))
    win_probability = models.FloatField(_("win probability"))
    basis = models.CharField(_("basis"), max_length=8, choices=vocabulary_choices(LEAD_SCORE_BASES))
    # The largest contributions first: [{"name", "value", "points", "logit"}] (points: 0.12 =
    # 12 percentage points).
    factors = models.JSONField(_("factors"), default=list, blank=True)
    scored_at = models.DateTimeField(_("scored"))
    realtime = models.BooleanField(_("re-scored in real time"), default=False)
    # The lead's owner and expected value, copied with every score written and again whenever
    # the lead's change (daur.insights.lead_scores_follow), and expected value x win probability
    # (daur.definitions.worklist) computed by the database, so that /today/ reads a rep's open
    # leads by value at stake from an index. Here rather than on the lead: every learning
    # rewrites these rows anyway, where copying the probability onto the leads rewrote 100,000
    # lead rows (and their 15 indexes) and locked them for its duration.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", db_index=False,
    )
    expected_value = models.DecimalField(_("expected value"), null=True, blank=True, **MONEY)
    value_at_stake = models.GeneratedField(
        expression=lead_at_stake_expr(score_prefix=""),
        output_field=models.FloatField(),
        db_persist=True,
        verbose_name=_("value at stake"),
    )

    class Meta:
        verbose_name = _("lead score")
        verbose_name_plural = _("lead scores")
        indexes = [
            models.Index(fields=["-win_probability", "lead"], name="lead_score_probability_idx"),
            # /today/'s leads: a rep's by value at stake, the top of this index (migration 0012).
            models.Index(fields=["owner", "-value_at_stake", "lead"], name="lead_score_stake_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.win_probability:.2f} ({self.basis})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A score saved on its own takes its lead's owner and expected value (the learning's
        bulk writes set them from the leads they read)."""
        self.owner_id, self.expected_value = Lead.objects.values_list(
            "owner_id", "expected_value"
        ).get(pk=self.lead_id)
        super().save(*args, **kwargs)


class SegmentSnapshot(models.Model):
    """A saved segment's figures at one scoring run, over the whole base: its size, its revenue
    (every order, in the run's base currency) and its predicted CLV (the sum of clv_12m). The
    segment pages show the latest run's to those who see the whole base, rather than adding up
    a million customers a request."""

    segment = models.ForeignKey(
        "campaigns.Segment", on_delete=models.CASCADE, related_name="snapshots"
    )
    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="+")
    size = models.PositiveIntegerField(_("size"))
    revenue = models.FloatField(_("revenue"))
    clv = models.FloatField(_("predicted CLV"))
    # The segment's filter these figures are of; the pages show them for the segment only while
    # its filter is still this one. None: recorded before the filter was kept, so unknown ("" is
    # a filter: every customer).
    query = models.CharField(_("query"), max_length=2000, null=True, blank=True)  # noqa: DJ001
    # The same figures over each owner's customers, with the filter's owner left out (a sales
    # rep's list): {"<owner's pk>": [size, revenue, clv]}; an owner without members is absent.
    by_owner = models.JSONField(_("figures by owner"), default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "run"], name="segment_snapshot_once_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.segment_id} @ run {self.run_id}: {self.size}"


# The personas' tables live in their own module (this one is long enough).
from daur.insights.persona_models import Persona, PersonaMember, PersonaRun  # noqa: E402, F401
