"""The service desk's workflow (a ticket's record: daur.api.records): a ticket opened for a
customer as the desk opens one, the conversation, a reply (e-mailed to the customer) or an
internal note, and a status change by the desk's flow — the same writes as the ticket pages
(daur.actions.servicedesk). Support agents, managers and admins work tickets; a sales rep and a
marketer read them, without the internal notes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from daur import vocabulary
from daur.actions.servicedesk import (
    MESSAGE_LENGTH,
    SUBJECT_LENGTH,
    TicketRefused,
    ticket_open,
    ticket_reply,
)
from daur.actions.servicedesk import ticket_status_change as status_change
from daur.api.customers import visible as customer_visible
from daur.api.errors import ERRORS, ApiError, invalid, not_found
from daur.api.kind_schemas import StrictIn
from daur.api.text import Prose, Text, clean_ident
from daur.customers.models import Customer
from daur.jobs import emails_dispatch
from daur.servicedesk.access import (
    opened_ticket_assignee,
    ticket_notes_visible_to,
    tickets_visible_to,
    tickets_workable_by,
)
from daur.servicedesk.models import STATUS_MOVES, Ticket
from daur.servicedesk.selectors import ticket_conversation

router = Router(tags=["tickets"])
customer_router = Router(tags=["tickets"])  # under /customers/{customer_id}
TicketStatus = Literal[vocabulary.TICKET_STATUSES]  # type: ignore[valid-type]


class ReplyIn(StrictIn):
    body: Prose(MESSAGE_LENGTH)
    kind: Literal["reply", "note"] = Field(
        "reply", description="reply: e-mailed to the customer; note: internal, for the desk only."
    )


class OpenIn(StrictIn):
    kind: Literal[vocabulary.TICKET_KINDS]  # type: ignore[valid-type]
    priority: Literal[vocabulary.TICKET_PRIORITIES] = "normal"  # type: ignore[valid-type]
    subject: Text(SUBJECT_LENGTH) = Field(..., min_length=1)
    body: Prose(MESSAGE_LENGTH) | None = Field(None, description="What the customer says.")


class StatusIn(StrictIn):
    status: TicketStatus


class MessageOut(Schema):
    id: int
    kind: str = Field(..., description="reply, customer or note")
    body: str
    author: str | None
    created_at: datetime


class TicketState(Schema):
    ticket_id: str
    status: str
    moves: list[str] = Field(..., description="The statuses it may go to from here.")
    first_response_at: datetime | None
    resolved_at: datetime | None


class TicketOpened(TicketState):
    customer_id: str
    kind: str
    priority: str
    subject: str
    opened_at: datetime
    assignee: str | None


def _ticket(request: HttpRequest, ticket_id: str, *, working: bool = False) -> Ticket:
    ident = clean_ident(ticket_id)
    found = tickets_visible_to(request.user).filter(external_id=ident).first() if ident else None
    if found is None:
        raise not_found("ticket")
    if working and not tickets_workable_by(request.user):
        raise ApiError(403, "Only the desk (support agents, managers, admins) works tickets.")
    return found


def _state(ticket: Ticket) -> dict:
    return {
        "ticket_id": ticket.external_id,
        "status": ticket.status,
        "moves": list(STATUS_MOVES[ticket.status]),
        "first_response_at": ticket.first_response_at,
        "resolved_at": ticket.resolved_at,
    }


def _message(m) -> dict:  # noqa: ANN001 - a TicketMessage
    return {
        "id": m.pk,
        "kind": m.kind,
        "body": m.body,
        "created_at": m.created_at,
        "author": m.author.get_username() if m.author else None,
    }


@router.get(
    "/{ticket_id}/messages",
    response={200: list[MessageOut], **ERRORS},
    operation_id="ticket_messages",
    summary="A ticket's conversation, oldest first (internal notes for the desk only)",
)
def ticket_messages(request: HttpRequest, ticket_id: str) -> list[dict]:
    ticket = _ticket(request, ticket_id)
    with_notes = ticket_notes_visible_to(request.user)
    return [_message(m) for m in ticket_conversation(ticket, with_notes=with_notes)[:1000]]


@router.post(
    "/{ticket_id}/reply",
    response={201: MessageOut, **ERRORS},
    operation_id="ticket_reply",
    summary="Reply to the customer (e-mailed) or add an internal note (409: closed)",
)
def ticket_answer(request: HttpRequest, ticket_id: str, body: ReplyIn) -> Status:
    ticket = _ticket(request, ticket_id, working=True)
    if not body.body.strip():
        raise invalid("body", "write a message first")
    try:
        message = ticket_reply(
            ticket_id=ticket.pk, body=body.body, user=request.user, kind=body.kind
        )
    except TicketRefused as refusal:
        raise ApiError(409, str(refusal)) from None
    if body.kind == "reply":  # queued as e-mail at the commit: sent now (or by a worker)
        emails_dispatch()
    return Status(201, _message(message))


@router.post(
    "/{ticket_id}/status",
    response={200: TicketState, **ERRORS},
    operation_id="ticket_status",
    summary="Move a ticket to another status by the desk's flow (409: not from here)",
)
def ticket_status(request: HttpRequest, ticket_id: str, body: StatusIn) -> dict:
    ticket = _ticket(request, ticket_id, working=True)
    try:
        moved = status_change(ticket_id=ticket.pk, status=body.status, user=request.user)
    except TicketRefused as refusal:
        raise ApiError(409, str(refusal), [{"field": "status", "reason": str(refusal)}]) from None
    emails_dispatch()  # a resolution's satisfaction question
    return _state(moved)


@customer_router.post(
    "/{customer_id}/tickets",
    response={201: TicketOpened, **ERRORS},
    operation_id="customer_ticket_open",
    summary="Open a ticket for a customer, as the desk does (a support agent's is the agent's)",
)
def ticket_opening(request: HttpRequest, customer_id: str, body: OpenIn) -> Status:
    customer = Customer.objects.get(pk=customer_visible(request, customer_id))
    if not tickets_workable_by(request.user):
        raise ApiError(403, "Only the desk (support agents, managers, admins) opens tickets.")
    if not body.subject.strip():
        raise invalid("subject", "write a subject")
    try:
        ticket = ticket_open(
            customer=customer, kind=body.kind, priority=body.priority, subject=body.subject,
            body=body.body or "", user=request.user,
            assignee=opened_ticket_assignee(request.user),
        )  # fmt: skip
    except TicketRefused as refusal:
        raise ApiError(422, str(refusal)) from None
    assignee = ticket.assignee.get_username() if ticket.assignee else None
    return Status(201, {
        **_state(ticket), "customer_id": customer.external_id, "kind": ticket.kind,
        "priority": ticket.priority, "subject": ticket.subject, "opened_at": ticket.opened_at,
        "assignee": assignee,
    })  # fmt: skip
