"""E-mail to the desk's address opens a ticket or adds to one (docs/service.md, "E-mail").

The sender is matched to a customer by address (trimmed, lower case; the oldest customer with
it when duplicates share one). An unknown sender becomes a new contact: a customer is created
with the address and the name the message gives (customer id "MAIL-…"), and the ticket's origin
says so ("email_new", else "email"). A subject carrying the reference of a ticket of that
customer that is not closed adds the message to it as the customer's (a waiting or resolved
ticket goes back to work, as the desk's customer-message action does); otherwise a new request
of normal priority is opened. Each Message-ID is taken once: the same message again adds
nothing. A message that is too large or cannot be read is refused (MailRefused, logged) and
nothing is written."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from daur.actions.servicedesk import ticket_open, ticket_reply
from daur.customers.models import Customer
from daur.servicedesk.mail_parse import InboundMail, MailRefused, mail_parse
from daur.servicedesk.models import InboundEmail, Ticket, TicketMessage

logger = logging.getLogger(__name__)
EMPTY = "(no text)"

__all__ = ["MailRefused", "MailTaken", "ticket_mail_take"]


@dataclass(frozen=True)
class MailTaken:
    outcome: str  # "opened" (a new ticket), "added" (to a ticket by its reference), "duplicate"
    ticket_id: int
    reference: str
    new_contact: bool = False


def _customer(mail: InboundMail, now: datetime) -> tuple[Customer, bool]:
    found = Customer.objects.filter(email=mail.sender).order_by("pk").first()
    if found is None:
        found = (
            Customer.objects.annotate(address=Lower("email"))
            .filter(address=mail.sender)
            .order_by("pk")
            .first()
        )
    if found is not None:
        return found, False
    customer = Customer.objects.create(
        external_id=f"MAIL-{uuid.uuid4().hex[:12].upper()}",
        name=(mail.sender_name or mail.sender)[:255],
        email=mail.sender,
        created_at=now,
    )
    return customer, True


def _ticket_of_reference(mail: InboundMail, customer: Customer) -> Ticket | None:
    """The ticket the subject refers to, if it is this customer's and not closed."""
    if not mail.reference:
        return None
    return (
        Ticket.objects.filter(external_id=mail.reference, customer=customer)
        .exclude(status="closed")
        .first()
    )


def _take(mail: InboundMail, now: datetime) -> MailTaken:
    customer, new_contact = _customer(mail, now)
    ticket = None if new_contact else _ticket_of_reference(mail, customer)
    if ticket is not None:
        ticket_reply(
            ticket_id=ticket.pk, body=mail.text or EMPTY, kind=TicketMessage.Kind.CUSTOMER,
            now=max(now, ticket.opened_at),
        )
        outcome = "added"
    else:
        ticket = ticket_open(
            customer=customer, kind="request", priority="normal", opened_at=now,
            subject=mail.subject or mail.text[:80], body=mail.text,
            origin="email_new" if new_contact else "email",
        )
        outcome = "opened"
    InboundEmail.objects.create(
        message_id=mail.message_id, sender=mail.sender, ticket=ticket,
        opened=outcome == "opened", new_contact=new_contact, received_at=now,
    )
    return MailTaken(outcome, ticket.pk, ticket.external_id, new_contact)


def _duplicate(message_id: str) -> MailTaken | None:
    seen = InboundEmail.objects.select_related("ticket").filter(message_id=message_id).first()
    if seen is None:
        return None
    return MailTaken("duplicate", seen.ticket_id, seen.ticket.external_id, seen.new_contact)


def _own_addresses() -> set[str]:
    """The desk's own addresses: mail from them is its own coming back (a loop), not a customer."""
    own = {settings.DAUR_SUPPORT_ADDRESS, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}
    return {address.strip().lower() for address in own if address}


def ticket_mail_take(raw: bytes, *, now: datetime | None = None, via: str = "") -> MailTaken:
    """Take one e-mail (RFC 822 bytes) to the desk; MailRefused (logged, nothing written) for one
    that is too large, cannot be read, is automatic or comes from the desk's own address. `via`
    names the entry point in the log."""
    try:
        mail = mail_parse(raw, max_bytes=settings.DAUR_INBOUND_EMAIL_MAX_BYTES)
        if mail.sender in _own_addresses():
            raise MailRefused(f"from the desk's own address {mail.sender}")
    except MailRefused as refusal:
        logger.warning("Inbound e-mail refused%s: %s", f" ({via})" if via else "", refusal)
        raise
    seen = _duplicate(mail.message_id)
    if seen is not None:
        return seen
    try:
        with transaction.atomic():
            taken = _take(mail, now or timezone.now())
    except IntegrityError:  # taken meanwhile by another worker (the Message-ID is unique)
        seen = _duplicate(mail.message_id)
        if seen is None:
            raise
        return seen
    logger.info(
        "Inbound e-mail %s %s ticket %s", mail.message_id, taken.outcome, taken.reference
    )
    return taken
