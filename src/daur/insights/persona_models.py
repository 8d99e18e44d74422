"""Buyer personas stored per scoring run (docs/personas.md): the run's clustering, each persona
with its figures, traits and centre, and each buyer's persona now."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonaRun(models.Model):
    """The personas step of one scoring run: how many, how well separated, on what sample."""

    run = models.OneToOneField(
        "insights.ScoringRun", on_delete=models.CASCADE, related_name="persona_run"
    )
    buyers = models.PositiveIntegerField(_("buyers"))
    k = models.PositiveSmallIntegerField(_("personas"))
    silhouette = models.FloatField(_("silhouette"), null=True, blank=True)
    sample_size = models.PositiveIntegerField(_("sample size"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        app_label = "insights"
        verbose_name = _("persona run")
        verbose_name_plural = _("persona runs")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"run {self.run_id}: {self.k} personas"


class Persona(models.Model):
    """One persona of a run. `key` follows it from run to run (drift matching): a persona that
    continues one of the previous run keeps its key, a new one gets the next free key."""

    persona_run = models.ForeignKey(PersonaRun, on_delete=models.CASCADE, related_name="personas")
    key = models.PositiveIntegerField(_("persona"))
    number = models.PositiveSmallIntegerField(_("rank by size"))
    size = models.PositiveIntegerField(_("size"))
    share = models.FloatField(_("share of the buyers"))
    figures = models.JSONField(_("figures"), default=dict)
    traits = models.JSONField(_("traits"), default=list)
    centre = models.JSONField(_("centre"), default=dict)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        app_label = "insights"
        verbose_name = _("persona")
        verbose_name_plural = _("personas")
        ordering = ("number",)
        constraints = [
            models.UniqueConstraint(fields=["persona_run", "key"], name="persona_key_once_per_run")
        ]

    def __str__(self) -> str:
        return f"persona {self.key} ({self.size})"


class PersonaMember(models.Model):
    """A buyer's persona at the latest run (replaced by each run); the customer list's
    `persona=` filter reads it."""

    customer = models.OneToOneField(
        "customers.Customer",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="persona_member",
    )
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="+")
    key = models.PositiveIntegerField(_("persona"))

    class Meta:
        app_label = "insights"
        verbose_name = _("persona member")
        verbose_name_plural = _("persona members")
        indexes = [models.Index(fields=["key", "customer"], name="persona_member_key_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.key}"
