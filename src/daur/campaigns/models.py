"""Campaigns: what we spent, through which channel, to acquire or retain customers."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from daur import vocabulary
from daur.records import MONEY, InterchangeRecord, vocabulary_choices


class Campaign(InterchangeRecord):
    external_id = models.CharField(_("campaign id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    channel = models.CharField(
        _("channel"), max_length=32, choices=vocabulary_choices(vocabulary.ACQUISITION_CHANNELS)
    )
    purpose = models.CharField(
        _("purpose"),
        max_length=16,
        default="acquisition",
        choices=vocabulary_choices(vocabulary.CAMPAIGN_PURPOSES),
    )
    cost = models.DecimalField(_("cost"), null=True, blank=True, **MONEY)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=vocabulary.ACQUISITION_CHANNELS),
                name="campaign_channel_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=vocabulary.CAMPAIGN_PURPOSES),
                name="campaign_purpose_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(cost__isnull=True) | models.Q(cost__gte=0),
                name="campaign_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(started_on__isnull=True)
                | models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="campaign_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Segment(models.Model):
    """A saved customer list: its name and the list's query string (docs/segments.md). Its
    members are whatever the list of that query holds now; each scoring run stores its figures
    (daur.insights.models.SegmentSnapshot)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    query = models.CharField(_("query"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name
