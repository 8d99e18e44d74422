"""Customer satisfaction (CSAT): on resolution the customer is asked for a 1-5 rating by a signed
link (no login); the answer is stored on the ticket, once per resolution, and the customer is
re-scored."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from daur.actions.servicedesk_mail import ticket_csat_email
from daur.insights.realtime import customers_rescore_on_commit
from daur.servicedesk.models import Ticket, TicketEvent
from daur.servicedesk.tokens import TokenRefused, csat_token_read

COMMENT_LENGTH = 2000
RATINGS = range(1, 6)


class CsatRefused(ValueError):
    """An answer that cannot be taken; `reason`: tampered, expired, stale (the ticket was
    reopened since the link was sent), used (answered already) or rating (not 1-5)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def ticket_csat_request_queue(ticket: Ticket) -> None:
    """The satisfaction question (its link: daur.servicedesk.tokens.csat_token_make) is queued
    as e-mail once a resolution is committed (daur.actions.servicedesk_mail)."""
    ticket_csat_email(ticket)


def csat_ticket(token: str) -> Ticket:
    """The resolved ticket a link asks about, or CsatRefused with the reason."""
    try:
        read = csat_token_read(token)
    except TokenRefused as refusal:
        raise CsatRefused(refusal.reason) from None
    ticket = Ticket.objects.select_related("customer").filter(pk=read.ticket_id).first()
    if ticket is None:
        raise CsatRefused("tampered")
    if ticket.resolved_at is None or ticket.resolved_at.isoformat() != read.resolved_at:
        raise CsatRefused("stale")
    return ticket


@transaction.atomic
def ticket_satisfaction_record(
    *, token: str, rating: str | int, comment: str = "", now: datetime | None = None
) -> Ticket:
    """The customer's rating (1-5) and comment, by their link; one answer per link."""
    ticket = csat_ticket(token)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        raise CsatRefused("rating") from None
    if rating not in RATINGS:
        raise CsatRefused("rating")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.satisfaction is not None:
        raise CsatRefused("used")
    ticket.satisfaction = rating
    ticket.satisfaction_comment = comment.strip()[:COMMENT_LENGTH]
    ticket.save(update_fields=["satisfaction", "satisfaction_comment", "updated_at"])
    TicketEvent.objects.create(
        ticket=ticket, at=now or timezone.now(), field="satisfaction", new=str(rating)
    )
    customers_rescore_on_commit(customer_ids=[ticket.customer_id])
    return ticket
