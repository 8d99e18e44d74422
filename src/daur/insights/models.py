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
from daur.leads.models import Lead
from daur.records import MONEY, vocabulary_choices


class ScoringRun(models.Model):
    """One `daur score`: the as-of date, the fitted models and the population cut-offs used."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        # The scores are stored; the dashboard figures and alerts are not (yet): docs/scoring.md.
        SCORED = "scored", _("Scored, figures and alerts pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    # The runs whose scores are the stored ones (the last of them is the current run).
    SCORES_STORED = (Status.SCORED, Status.SUCCEEDED)

    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    as_of = models.DateField(_("as of"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default="running")
    message = models.TextField(_("message"), blank=True)
    n_customers = models.PositiveIntegerField(_("customers"), default=0)
    n_buyers = models.PositiveIntegerField(_("buyers"), default=0)
    rules_only = models.BooleanField(
        _("rules only"),
        default=False,
        help_text=_(
            "Scored by the rules alone, without P(alive), expected orders or CLV: too few buyers "
            "or repeat buyers to fit a purchase model, or none of the models could be fitted."
        ),
    )
    base_currency = models.CharField(_("base currency"), max_length=3, default="IDR")
    # The chosen purchase model, each model's fit, the holdout test, the calibration plot and the
    # fallbacks taken: docs/scoring.md, "What a run stores". (rules_only: the purchase part fell
    # back to the rules.)
    fits = models.JSONField(_("model fits"), default=dict, blank=True)
    # Population cut-offs (percentiles, RFM quintile edges) that real-time re-scoring reuses.
    cuts = models.JSONField(_("cut-offs"), default=dict, blank=True)
    config = models.JSONField(_("rules configuration"), default=dict, blank=True)
    events_after_as_of = models.JSONField(
        _("events after the as-of date"), default=dict, blank=True
    )
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    # The process running it, so that a run whose process is gone is marked failed.
    host = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    # A distributed run's ranges (0 for an in-process run) and how many of them are scored.
    ranges_total = models.PositiveIntegerField(_("ranges"), default=0)
    ranges_done = models.PositiveIntegerField(_("ranges done"), default=0)
    # An incremental run (`daur score --incremental`): how many customers it read again (the
    # others moved on from the previous run's stored state); False for a full run.
    incremental = models.BooleanField(_("incremental"), default=False)
    customers_reread = models.PositiveIntegerField(_("customers read again"), default=0)

    class Meta:
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.as_of} ({self.status})"


class ScoringRange(models.Model):
    """One range of customers of a distributed run (`daur score --distributed`): its bounds,
    how far it got and what it handed the merge (docs/scale.md, "Distributed scoring")."""

    class Phase(models.IntegerChoices):
        QUEUED = 0, _("Queued")
        SUMMARISED = 1, _("Summarised")
        SCORED = 3, _("Scored")

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="ranges")
    number = models.PositiveIntegerField(_("number"))
    low_id = models.BigIntegerField(_("first customer id"))
    high_id = models.BigIntegerField(_("last customer id"))
    phase = models.PositiveSmallIntegerField(_("phase"), choices=Phase.choices, default=0)
    # What the range hands the merge (summary), its buyers' summary from which the coordinator
    # computes their CLVs once the base is fitted (clv), and for the last phase its
    # neighbourhood from the merge: JSON with numpy arrays as base64 (daur.insights.range_codec).
    summary = models.TextField(blank=True)
    clv = models.TextField(blank=True)
    neighbourhood = models.TextField(blank=True)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)  # at the current phase
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("scoring range")
        verbose_name_plural = _("scoring ranges")
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="scoring_range_unique")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.number} ({self.low_id}-{self.high_id})"


class ScoreChange(models.Model):
    """A customer (or a product, whose buyers) whose scoring inputs changed since the last run:
    written by database triggers on every table the scoring reads (migration
    0016_score_changes), consumed by the next run (docs/scale.md, "Incremental nightly runs")."""

    id = models.BigAutoField(primary_key=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    product_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("score change")
        verbose_name_plural = _("score changes")

    def __str__(self) -> str:
        if self.customer_id is not None:
            return f"customer {self.customer_id}"
        return f"product {self.product_id}"


class ScoringState(models.Model):
    """What the next incremental run moves on from: one run's per-customer features and buyer
    summary, one binary column each (`ScoringStateColumn`); only the latest is kept."""

    run = models.OneToOneField(ScoringRun, on_delete=models.CASCADE, related_name="state")
    format = models.PositiveSmallIntegerField(_("format"))
    as_of = models.DateField(_("as of"))
    n_customers = models.PositiveIntegerField(_("customers"), default=0)
    # The rules and settings the state was computed with: a change makes the next run a full one.
    fingerprint = models.JSONField(_("fingerprint"), default=dict, blank=True)

    class Meta:
        verbose_name = _("scoring state")
        verbose_name_plural = _("scoring states")

    def __str__(self) -> str:
        return f"{self.as_of} ({self.n_customers} customers)"


class ScoringStateColumn(models.Model):
    """One column of a stored scoring state: a numpy array's bytes (`daur.db.columns`)."""

    state = models.ForeignKey(ScoringState, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=64)
    dtype = models.CharField(max_length=16)
    data = models.BinaryField()

    class Meta:
        verbose_name = _("scoring state column")
        verbose_name_plural = _("scoring state columns")
        constraints = [
            models.UniqueConstraint(fields=["state", "name"], name="scoring_state_column_unique")
        ]

    def __str__(self) -> str:
        return f"{self.state_id}/{self.name}"


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
