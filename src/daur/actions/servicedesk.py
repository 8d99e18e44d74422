"""The service desk's writes: open a ticket, assign it, reply or note, move its status and
priority, accept a suggestion, and the same in bulk. Each is atomic, records what changed
(TicketEvent), keeps the SLA moments stored on the ticket current, and re-scores the customer once
it commits (complaints and suggestions shape "difficult", "inspiring" and "protect")."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from daur import vocabulary
from daur.actions.servicedesk_csat import ticket_csat_request_queue
from daur.actions.servicedesk_mail import ticket_reply_email
from daur.actions.servicedesk_sla import ticket_sla_factor, ticket_sla_refresh
from daur.customers.models import Customer
from daur.insights.realtime import customers_rescore_on_commit
from daur.servicedesk.models import (
    STATUS_MOVES,
    Team,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketPause,
)

SUBJECT_LENGTH = 200
MESSAGE_LENGTH = 50_000
UNCHANGED = object()  # "leave the agent (or team) as it is", unlike None: "nobody"


class TicketRefused(ValueError):
    """A write the desk refuses, with the reason in the user's language."""


def _status_label(status: str) -> str:
    return str(dict(Ticket._meta.get_field("status").choices)[status])


def _event(ticket: Ticket, *, user, field: str, old, new, now: datetime) -> None:  # noqa: ANN001
    TicketEvent.objects.create(
        ticket=ticket, at=now, user=user, field=field, old=str(old or ""), new=str(new or "")
    )


def ticket_reference_new() -> str:
    """A ticket reference for one opened at the desk (imported tickets bring their own)."""
    return f"T-{timezone.now():%y%m}-{secrets.token_hex(3).upper()}"


@transaction.atomic
def ticket_open(
    *,
    customer: Customer,
    kind: str,
    opened_at: datetime | None = None,
    external_id: str = "",
    priority: str = "normal",
    subject: str = "",
    body: str = "",
    user=None,  # noqa: ANN001 - the User opening it; None: the customer or an import
    assignee=None,  # noqa: ANN001
    team: Team | None = None,
    origin: str = "",
) -> Ticket:
    """Open a ticket; its first message (if any) is the customer's words."""
    if kind not in vocabulary.TICKET_KINDS:
        raise TicketRefused(_("Unknown kind of ticket."))
    if priority not in vocabulary.TICKET_PRIORITIES:
        raise TicketRefused(_("Unknown priority."))
    opened_at = opened_at or timezone.now()
    factor, reason = ticket_sla_factor(customer)
    ticket = Ticket(
        customer=customer,
        external_id=external_id or ticket_reference_new(),
        kind=kind,
        opened_at=opened_at,
        priority=priority,
        subject=subject.strip()[:SUBJECT_LENGTH],
        assignee=assignee,
        team=team,
        sla_factor=factor,
        sla_reason=reason,
        origin=origin,
    )
    ticket.full_clean()
    ticket_sla_refresh(ticket, now=opened_at, save=False)
    ticket.save()
    if body.strip():
        TicketMessage.objects.create(
            ticket=ticket, kind=TicketMessage.Kind.CUSTOMER, body=body[:MESSAGE_LENGTH],
            created_at=opened_at,
        )
    _event(ticket, user=user, field="status", old="", new="open", now=opened_at)
    customers_rescore_on_commit(customer_ids=[customer.pk])
    return ticket


def _locked(ticket_id: int) -> Ticket:
    try:
        return Ticket.objects.select_for_update().get(pk=ticket_id)
    except Ticket.DoesNotExist:
        raise TicketRefused(_("That ticket does not exist.")) from None


def _status_move(
    ticket: Ticket, status: str, *, user, now: datetime, notify: bool = True  # noqa: ANN001
) -> None:
    """Move the status if the flow allows it: pauses open and close with "waiting", a resolution
    is stamped (and cleared on reopening) and, with `notify`, its satisfaction question
    e-mailed."""
    if status not in vocabulary.TICKET_STATUSES:
        raise TicketRefused(_("Unknown status."))
    if status == ticket.status:
        return
    if status not in STATUS_MOVES[ticket.status]:
        raise TicketRefused(
            _("A ticket cannot go from “%(old)s” to “%(new)s”.")
            % {"old": _status_label(ticket.status), "new": _status_label(status)}
        )
    old = ticket.status
    if status == "waiting":
        TicketPause.objects.create(ticket=ticket, started_at=now)
    elif old == "waiting":
        TicketPause.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=now)
    if status == "resolved":
        ticket.resolved_at = max(now, ticket.opened_at)
        if notify:  # robust: the resolution stands if its e-mail cannot be queued (logged)
            transaction.on_commit(lambda: ticket_csat_request_queue(ticket), robust=True)
    elif old in ("resolved", "closed") and status == "in_progress":
        ticket.resolved_at = None
    ticket.status = status
    _event(ticket, user=user, field="status", old=old, new=status, now=now)


@transaction.atomic
def ticket_status_change(
    *,
    ticket_id: int,
    status: str,
    user,  # noqa: ANN001
    now: datetime | None = None,
    notify: bool = True,
) -> Ticket:
    """`notify`: False writes history without e-mailing the customer (the demo's past)."""
    now = now or timezone.now()
    ticket = _locked(ticket_id)
    _status_move(ticket, status, user=user, now=now, notify=notify)
    ticket_sla_refresh(ticket, now=now)
    customers_rescore_on_commit(customer_ids=[ticket.customer_id])
    return ticket


@transaction.atomic
def ticket_priority_change(
    *, ticket_id: int, priority: str, user, now: datetime | None = None  # noqa: ANN001
) -> Ticket:
    if priority not in vocabulary.TICKET_PRIORITIES:
        raise TicketRefused(_("Unknown priority."))
    now = now or timezone.now()
    ticket = _locked(ticket_id)
    if ticket.priority != priority:
        _event(ticket, user=user, field="priority", old=ticket.priority, new=priority, now=now)
        ticket.priority = priority
        ticket_sla_refresh(ticket, now=now)
    return ticket


def _assign(ticket: Ticket, *, assignee, team, user, now: datetime) -> None:  # noqa: ANN001
    if assignee is not UNCHANGED and assignee != ticket.assignee:
        if assignee is not None and not assignee.is_active:
            raise TicketRefused(_("That user is not active."))
        _event(ticket, user=user, field="assignee", old=ticket.assignee, new=assignee, now=now)
        ticket.assignee = assignee
    if team is not UNCHANGED and team != ticket.team:
        _event(ticket, user=user, field="team", old=ticket.team, new=team, now=now)
        ticket.team = team


@transaction.atomic
def ticket_assign(
    *,
    ticket_id: int,
    user,  # noqa: ANN001
    assignee=UNCHANGED,  # noqa: ANN001 - a User, None (nobody) or UNCHANGED
    team=UNCHANGED,  # noqa: ANN001 - a Team, None or UNCHANGED
    now: datetime | None = None,
) -> Ticket:
    now = now or timezone.now()
    ticket = _locked(ticket_id)
    _assign(ticket, assignee=assignee, team=team, user=user, now=now)
    ticket.save(update_fields=["assignee", "team", "updated_at"])
    return ticket


def ticket_reply_email_queue(message: TicketMessage) -> None:
    """A reply to the customer is queued as e-mail once it is committed (the ticket's reference
    in its subject; daur.actions.servicedesk_mail); the sender sends it (daur.jobs.emails_send)."""
    ticket_reply_email(message)


@transaction.atomic
def ticket_reply(
    *,
    ticket_id: int,
    body: str,
    user=None,  # noqa: ANN001 - the agent; None for the customer's own message
    kind: str = TicketMessage.Kind.REPLY,
    now: datetime | None = None,
    notify: bool = True,
) -> TicketMessage:
    """Add to the conversation. An agent's first reply is the first response and starts the work
    (open → in progress) and, with `notify`, is e-mailed to the customer; the customer's message
    ends a wait. A closed ticket takes no more."""
    if kind not in TicketMessage.Kind.values:
        raise TicketRefused(_("Unknown kind of message."))
    if not body.strip():
        raise TicketRefused(_("Write a message first."))
    if len(body) > MESSAGE_LENGTH:
        raise TicketRefused(
            _("A message is at most %(n)s characters.") % {"n": f"{MESSAGE_LENGTH:,}"}
        )
    now = now or timezone.now()
    ticket = _locked(ticket_id)
    if ticket.status == "closed":
        raise TicketRefused(_("This ticket is closed: open a new one instead."))
    message = TicketMessage.objects.create(
        ticket=ticket, kind=kind, author=user, body=body, created_at=now
    )
    if kind == TicketMessage.Kind.REPLY:
        if ticket.first_response_at is None:
            ticket.first_response_at = max(now, ticket.opened_at)
        if ticket.status == "open":
            _status_move(ticket, "in_progress", user=user, now=now)
        if notify:
            transaction.on_commit(lambda: ticket_reply_email_queue(message), robust=True)
    elif kind == TicketMessage.Kind.CUSTOMER and ticket.status in ("waiting", "resolved"):
        _status_move(ticket, "in_progress", user=user, now=now)
    ticket_sla_refresh(ticket, now=now)
    return message


@transaction.atomic
def ticket_accept(
    *, ticket_id: int, accepted: bool | None, user, now: datetime | None = None  # noqa: ANN001
) -> Ticket:
    """Accept (or decline) a suggestion: an accepted one weighs more for "inspiring"."""
    now = now or timezone.now()
    ticket = _locked(ticket_id)
    if ticket.kind != "suggestion":
        raise TicketRefused(_("Only a suggestion is accepted or declined."))
    if ticket.accepted != accepted:
        _event(ticket, user=user, field="accepted", old=ticket.accepted, new=accepted, now=now)
        ticket.accepted = accepted
        ticket.save(update_fields=["accepted", "updated_at"])
    customers_rescore_on_commit(customer_ids=[ticket.customer_id])
    return ticket


@dataclass(frozen=True)
class BulkOutcome:
    changed: int
    refused: list[tuple[str, str]]  # (ticket reference, reason)


def tickets_bulk_change(
    *,
    ticket_ids: Iterable[int],
    user,  # noqa: ANN001
    status: str = "",
    assignee=UNCHANGED,  # noqa: ANN001
    team=UNCHANGED,  # noqa: ANN001
    now: datetime | None = None,
) -> BulkOutcome:
    """Assign and/or move many tickets: each in its own transaction, so a ticket whose move the
    flow refuses is reported by its reference and the others still change."""
    now = now or timezone.now()
    changed, refused = 0, []
    for ticket_id in sorted(set(ticket_ids)):
        try:
            with transaction.atomic():
                ticket = _locked(ticket_id)
                _assign(ticket, assignee=assignee, team=team, user=user, now=now)
                if status:
                    _status_move(ticket, status, user=user, now=now)
                ticket_sla_refresh(ticket, now=now)
                if status:
                    customers_rescore_on_commit(customer_ids=[ticket.customer_id])
            changed += 1
        except TicketRefused as refusal:
            reference = Ticket.objects.filter(pk=ticket_id).values_list("external_id", flat=True)
            refused.append((next(iter(reference), str(ticket_id)), str(refusal)))
    return BulkOutcome(changed, refused)
