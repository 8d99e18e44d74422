"""Interactions with a customer or a lead: the engagement behind stages and customer types."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from daur import vocabulary
from daur.records import InterchangeRecord, vocabulary_choices


def interaction_natural_key(
    *, customer_id: str | None, lead_id: str | None, kind: str, occurred_at_utc: str
) -> str:
    """The identity of an interaction, which has no id of its own in the interchange files.

    `occurred_at_utc` is "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC (str() of a naive UTC datetime).
    """
    return f"{customer_id or ''}|{lead_id or ''}|{kind}|{occurred_at_utc}"


class Interaction(InterchangeRecord):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="interactions",
        db_index=False,  # a composite index below starts with this column
    )
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="interactions",
        db_index=False,  # a composite index below starts with this column
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=vocabulary_choices(vocabulary.INTERACTION_KINDS)
    )
    occurred_at = models.DateTimeField(_("occurred"))
    channel = models.CharField(_("channel"), max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    note = models.TextField(_("note"), blank=True)
    # An activity (SPEC §6) may be planned: due at a moment, done or not yet. A recorded contact
    # (every imported interaction) has no due date and is done. Database defaults too: the
    # import writes rows with plain SQL, naming its own columns.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=True, db_default=True)
    outcome = models.CharField(_("outcome"), max_length=255, blank=True, db_default="")
    # Re-importing a file matches on interaction_natural_key(), kept here for a one-index look-up.
    natural_key = models.CharField(max_length=255, unique=True, editable=False)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["customer", "occurred_at"], name="interaction_customer_idx"),
            models.Index(fields=["lead", "occurred_at"], name="interaction_lead_idx"),
            # The open activities by due date: worklists and the "overdue" filter; whose they are
            # read from the index alone (/today/'s overdue activities: engagement migration 0006).
            models.Index(
                fields=["due_at"],
                include=["id", "user", "customer", "lead"],
                condition=models.Q(done=False),
                name="interaction_open_due_idx",
            ),
            # A lead's open activities by due date: the lead list's "overdue" filter and count, its
            # soonest due date, each a probe of this index alone (migration 0006).
            models.Index(
                fields=["lead", "due_at"],
                condition=models.Q(done=False, lead__isnull=False),
                name="interaction_lead_open_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=vocabulary.INTERACTION_KINDS),
                name="interaction_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(customer__isnull=False) | models.Q(lead__isnull=False),
                name="interaction_has_party",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d}"

    def is_overdue(self, now: datetime) -> bool:
        """Due before `now` and not done."""
        return not self.done and self.due_at is not None and self.due_at < now

    @property
    def overdue(self) -> bool:
        return self.is_overdue(timezone.now())


WORKLIST_KINDS = ("customer", "lead", "activity")


class WorklistMark(models.Model):
    """What a user did with an item of their worklist (SPEC §6 "A sales rep's day"): marked it
    done, or snoozed it until a moment. One row per user and item, replaced by the next mark."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="worklist_marks",
        db_index=False,  # the unique constraint below starts with this column
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=[(kind, kind) for kind in WORKLIST_KINDS]
    )
    item_id = models.BigIntegerField(_("item"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    marked_at = models.DateTimeField(_("marked"), default=timezone.now)

    class Meta:
        verbose_name = _("worklist mark")
        verbose_name_plural = _("worklist marks")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "item_id"], name="worklist_mark_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=WORKLIST_KINDS), name="worklist_mark_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.item_id}"


# The e-mail models live in their own module; Django finds models through this one.
from daur.engagement.mail_models import (  # noqa: E402, F401
    EmailConsent,
    EmailConsentChange,
    OutboundEmail,
)
