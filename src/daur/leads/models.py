"""Leads: prospects with a source channel, a stage, an owner and, once won, a customer."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from daur import vocabulary
from daur.records import MONEY, InterchangeRecord, vocabulary_choices


class Lead(InterchangeRecord):
    external_id = models.CharField(_("lead id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    source = models.CharField(
        _("source"), max_length=32, choices=vocabulary_choices(vocabulary.ACQUISITION_CHANNELS)
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    stage = models.CharField(
        _("stage"),
        max_length=16,
        default="new",
        choices=vocabulary_choices(vocabulary.LEAD_STAGES),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    email = models.CharField(_("email"), max_length=254, blank=True)
    company = models.CharField(_("company"), max_length=255, blank=True)
    expected_value = models.DecimalField(_("expected value"), null=True, blank=True, **MONEY)
    lost_reason = models.CharField(
        _("lost reason"),
        max_length=32,
        blank=True,
        choices=vocabulary_choices(vocabulary.LEAD_LOST_REASONS),
    )
    converted_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("converted customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    # What an assignment rule may match on besides the source (SPEC §6: rule-based assignment).
    # A database default too: the import writes rows with plain SQL, naming its own columns.
    country = models.CharField(_("country"), max_length=64, blank=True, db_default="")
    industry = models.CharField(_("industry"), max_length=128, blank=True, db_default="")
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    assignment_reason = models.CharField(
        _("assignment reason"), max_length=255, blank=True, db_default=""
    )
    # Who changed what and when, for each save through the ORM (bulk imports are recorded as an
    # import run instead: they bypass the save).
    history = HistoricalRecords(
        excluded_fields=["updated_at", "custom_fields"],
        user_db_constraint=False,
        cascade_delete_history=False,
    )

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["stage", "owner"], name="lead_stage_owner_idx"),
            models.Index(fields=["source", "created_at"], name="lead_source_idx"),
            models.Index(fields=["email"], name="lead_email_idx"),
            # The board's cards of a stage and the list, newest first: a page of the index
            # read in order (leads migration 0004_bench_indexes).
            models.Index(
                fields=["stage", "-created_at", "-id"], name="lead_stage_created_idx"
            ),
            models.Index(fields=["-created_at", "-id"], name="lead_created_idx"),
            models.Index(fields=["owner", "-created_at", "-id"], name="lead_owner_created_idx"),
            # The newest change, part of the lead board's flow cache key (migration 0005).
            models.Index(fields=["updated_at"], name="lead_updated_idx"),
            # The board's count and expected value per stage, and a rep's open leads ranked by
            # value at stake on /today/, read from the index alone (migration 0006).
            models.Index(
                fields=["owner", "stage"], include=["expected_value", "converted_customer", "id"],
                name="lead_owner_stage_value_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=vocabulary.ACQUISITION_CHANNELS),
                name="lead_source_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(stage__in=vocabulary.LEAD_STAGES), name="lead_stage_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(lost_reason="")
                | models.Q(lost_reason__in=vocabulary.LEAD_LOST_REASONS, stage="lost"),
                name="lead_lost_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class LeadStageChange(models.Model):
    """A lead's move from one stage to another: conversion rates and time in stage read these."""

    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        on_delete=models.CASCADE,
        related_name="stage_changes",
        db_index=False,  # a composite index below starts with this column
    )
    from_stage = models.CharField(
        _("from stage"), max_length=16, choices=vocabulary_choices(vocabulary.LEAD_STAGES)
    )
    to_stage = models.CharField(
        _("to stage"), max_length=16, choices=vocabulary_choices(vocabulary.LEAD_STAGES)
    )
    lost_reason = models.CharField(
        _("lost reason"),
        max_length=32,
        blank=True,
        choices=vocabulary_choices(vocabulary.LEAD_LOST_REASONS),
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lead stage change")
        verbose_name_plural = _("lead stage changes")
        indexes = [
            models.Index(fields=["lead", "changed_at"], name="lead_stage_change_lead_idx"),
            models.Index(fields=["to_stage", "changed_at"], name="lead_stage_change_to_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(from_stage__in=vocabulary.LEAD_STAGES)
                & models.Q(to_stage__in=vocabulary.LEAD_STAGES)
                & ~models.Q(from_stage=models.F("to_stage")),
                name="lead_stage_change_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(lost_reason="")
                | models.Q(lost_reason__in=vocabulary.LEAD_LOST_REASONS, to_stage="lost"),
                name="lead_stage_change_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class LeadAssignmentRule(models.Model):
    """Rule-based assignment (DAUR_LEAD_ASSIGNMENT=rules): a lead whose source, country or
    industry equals the value goes to the rep; the rule with the lowest priority number wins."""

    field = models.CharField(
        _("matches on"), max_length=16, choices=vocabulary_choices(vocabulary.LEAD_RULE_FIELDS)
    )
    value = models.CharField(
        _("value"), max_length=128, help_text=_("Compared without regard to letter case.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assign to"),
        on_delete=models.CASCADE,
        related_name="lead_rules",
    )
    priority = models.PositiveIntegerField(_("priority"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lead assignment rule")
        verbose_name_plural = _("lead assignment rules")
        ordering = ("priority", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(field__in=vocabulary.LEAD_RULE_FIELDS),
                name="lead_rule_field_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field} = {self.value} → {self.owner}"
