"""Tickets: complaints, requests and suggestions, with response and resolution times; their
conversation, status history and pauses; the teams that work them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from daur import vocabulary
from daur.db.expressions import any_of
from daur.records import InterchangeRecord, vocabulary_choices

# The statuses in which a ticket is still work to do (its queue, its clocks).
OPEN_STATUSES = ("open", "in_progress", "waiting")
# The moves a ticket's status may make: forward through the desk's flow, back to work when the
# customer answers or a resolution is reopened. Closed is final.
STATUS_MOVES = {
    "open": ("in_progress", "waiting", "resolved"),
    "in_progress": ("waiting", "resolved"),
    "waiting": ("in_progress", "resolved"),
    "resolved": ("in_progress", "closed"),
    "closed": (),
}


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="teams"
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
    satisfaction_comment = models.TextField(
        _("satisfaction comment"), blank=True, default="", db_default=""
    )
    subject = models.CharField(
        _("subject"), max_length=200, blank=True, default="", db_default=""
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        db_index=False,  # the queue indexes below start with it
    )
    team = models.ForeignKey(
        "servicedesk.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        db_index=False,  # the queue indexes below start with it
    )
    # The SLA moments, recomputed from the policy, the calendar and the pauses by every write
    # (daur.actions.servicedesk): stored so that a queue sorts and filters by them on an index.
    response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_warn_at = models.DateTimeField(_("resolution breaches soon"), null=True, blank=True)
    sla_breached_at = models.DateTimeField(_("SLA breached"), null=True, blank=True)
    # The share of the policy's targets this ticket gets (1: the policy's; 0.5: half as long,
    # for a customer whose value the desk protects) and why.
    sla_factor = models.FloatField(
        _("share of the SLA targets"), default=1.0, db_default=1.0
    )
    sla_reason = models.CharField(
        _("why these targets"), max_length=200, blank=True, default="", db_default=""
    )
    # Where the ticket came from: "" (the desk or an import), "save" (the scoring run: a valuable
    # detractor slipping away), "survey" (a detractor's answer).
    origin = models.CharField(
        _("origin"), max_length=16, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["customer", "opened_at"], name="ticket_customer_idx"),
            models.Index(fields=["status", "opened_at"], name="ticket_status_idx"),
            # The queues: open work by due moment, all of it or an agent's or a team's.
            models.Index(
                fields=["resolution_due_at", "id"],
                name="ticket_queue_idx",
                condition=any_of("status", OPEN_STATUSES),
            ),
            models.Index(
                fields=["assignee", "resolution_due_at", "id"],
                name="ticket_agent_queue_idx",
                condition=any_of("status", OPEN_STATUSES),
            ),
            models.Index(
                fields=["team", "resolution_due_at", "id"],
                name="ticket_team_queue_idx",
                condition=any_of("status", OPEN_STATUSES),
            ),
            # "Breaching soon": past the warning, not yet due; both bounds read in the index.
            models.Index(
                fields=["resolution_warn_at", "resolution_due_at"],
                name="ticket_soon_idx",
                condition=any_of("status", OPEN_STATUSES),
            ),
            models.Index(fields=["resolved_at"], name="ticket_resolved_idx"),
            # Every ticket the newest first, and the KPIs' period of opening.
            models.Index(fields=["opened_at", "id"], name="ticket_opened_idx"),
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


class TicketMessage(models.Model):
    """One message of a ticket's conversation: an agent's reply, the customer's message, or an
    internal note that only the desk (agents, managers, admins) reads."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        CUSTOMER = "customer", _("Customer")
        NOTE = "note", _("Internal note")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("message"))  # verbatim, escaped when shown
    created_at = models.DateTimeField(_("written"))

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_message_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["reply", "customer", "note"]),
                name="ticket_message_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class TicketEvent(models.Model):
    """A change of a ticket's status, priority, agent or team: who, when, from what to what.
    The service KPIs and the status history read these."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    at = models.DateTimeField(_("when"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    field = models.CharField(_("what"), max_length=16)
    old = models.CharField(_("from"), max_length=150, blank=True)
    new = models.CharField(_("to"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("ticket change")
        verbose_name_plural = _("ticket changes")
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_idx")]

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


class TicketPause(models.Model):
    """A time the ticket waited on its customer: its resolution clock stood still. Kept as
    intervals so that a changed calendar recomputes every clock."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="pauses", db_index=False
    )
    started_at = models.DateTimeField(_("paused"))
    ended_at = models.DateTimeField(_("resumed"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket pause")
        verbose_name_plural = _("ticket pauses")
        indexes = [models.Index(fields=["ticket", "started_at"], name="ticket_pause_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="ticket_pause_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} – {self.ended_at or '…'}"


from daur.servicedesk.policies import BusinessCalendar, Holiday, SlaPolicy  # noqa: E402

__all__ = [
    "BusinessCalendar",
    "Holiday",
    "SlaPolicy",
    "Team",
    "Ticket",
    "TicketEvent",
    "TicketMessage",
    "TicketPause",
]


class InboundEmail(models.Model):
    """An e-mail taken in by the desk (docs/service.md, "E-mail"), once per Message-ID: the same
    message polled or posted again adds nothing. Which ticket it opened or added to, and whether
    its sender was a new contact (a customer created for an address the base did not know)."""

    message_id = models.CharField(_("message id"), max_length=255, unique=True)
    sender = models.CharField(_("from"), max_length=254)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="emails"
    )
    opened = models.BooleanField(_("opened the ticket"), default=False)
    new_contact = models.BooleanField(_("new contact"), default=False)
    received_at = models.DateTimeField(_("received"))

    class Meta:
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")

    def __str__(self) -> str:
        return self.message_id
