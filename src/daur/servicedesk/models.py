"""Tickets: complaints, requests and suggestions, with response and resolution times."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from daur import vocabulary
from daur.records import InterchangeRecord, vocabulary_choices


class Ticket(InterchangeRecord):
    external_id = models.CharField(_("ticket id"), max_length=64, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="tickets",
        db_index=False,  # a composite index below starts with this column
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=vocabulary_choices(vocabulary.TICKET_KINDS)
    )
    priority = models.CharField(
        _("priority"),
        max_length=16,
        default="normal",
        choices=vocabulary_choices(vocabulary.TICKET_PRIORITIES),
    )
    opened_at = models.DateTimeField(_("opened"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        default="open",
        choices=vocabulary_choices(vocabulary.TICKET_STATUSES),
    )
    accepted = models.BooleanField(_("accepted"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["customer", "opened_at"], name="ticket_customer_idx"),
            models.Index(fields=["status", "opened_at"], name="ticket_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=vocabulary.TICKET_KINDS), name="ticket_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=vocabulary.TICKET_STATUSES),
                name="ticket_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=vocabulary.TICKET_PRIORITIES),
                name="ticket_priority_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="ticket_satisfaction_range",
            ),
            models.CheckConstraint(
                condition=models.Q(first_response_at__isnull=True)
                | models.Q(first_response_at__gte=models.F("opened_at")),
                name="ticket_response_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True)
                | models.Q(resolved_at__gte=models.F("opened_at")),
                name="ticket_resolution_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.kind})"
