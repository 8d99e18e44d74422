"""A scoring run's records: the run itself, its ranges (`daur score --distributed`), the change
log the triggers fill and the state an incremental run moves on from (`daur score
--incremental`). Re-exported by `daur.insights.models`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class StoredColumn(models.Model):
    """A numpy array's bytes under a name, one row per column (`daur.db.columns`), owned by the
    record the concrete model's foreign key names."""

    name = models.CharField(max_length=64)
    dtype = models.CharField(max_length=16)
    data = models.BinaryField()

    class Meta:
        abstract = True


class ScoringRangeColumn(StoredColumn):
    """One column of a range's features and buyer summary, kept by its first phase for its last:
    the last phase scores from them, without reading the range again. Dropped when the run
    ends."""

    range = models.ForeignKey(ScoringRange, on_delete=models.CASCADE, related_name="columns")

    class Meta:
        verbose_name = _("scoring range column")
        verbose_name_plural = _("scoring range columns")
        constraints = [
            models.UniqueConstraint(fields=["range", "name"], name="scoring_range_column_unique")
        ]

    def __str__(self) -> str:
        return f"{self.range_id}/{self.name}"


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


class ScoringStateColumn(StoredColumn):
    """One column of a stored scoring state."""

    state = models.ForeignKey(ScoringState, on_delete=models.CASCADE, related_name="columns")

    class Meta:
        verbose_name = _("scoring state column")
        verbose_name_plural = _("scoring state columns")
        constraints = [
            models.UniqueConstraint(fields=["state", "name"], name="scoring_state_column_unique")
        ]

    def __str__(self) -> str:
        return f"{self.state_id}/{self.name}"
