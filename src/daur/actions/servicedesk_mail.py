"""The service desk's e-mail to customers (docs/service.md, "E-mail"): an agent's reply and the
satisfaction question on resolution are queued through the mailer (daur.actions.mail) as
transactional messages: about the customer's own request, so an opt-out of marketing e-mail does
not hold them back (a customer without an address is still skipped) and they carry no
unsubscribe link. The ticket's reference is in the subject, so the customer's answer finds its
ticket again (daur.actions.servicedesk_inbound)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from daur.actions.mail import EmailsQueued, default_language, emails_queue
from daur.servicedesk.models import Ticket, TicketMessage
from daur.servicedesk.tokens import csat_token_make

SUBJECT_LENGTH = 255


def ticket_mail_subject(ticket: Ticket) -> str:
    """"[T-2612-0A1B2C] Where is my order?": the reference first, in square brackets."""
    words = ticket.subject or _("Your request")
    return f"[{ticket.external_id}] {words}"[:SUBJECT_LENGTH]


def _language(ticket: Ticket) -> str:
    language = ticket.customer.language or default_language()
    return language if language in dict(settings.LANGUAGES) else default_language()


def _queue(ticket: Ticket, *, key: str, body: str, language: str) -> EmailsQueued:
    return emails_queue(
        [
            {
                "key": key,
                "customer_id": ticket.customer_id,
                "subject": ticket_mail_subject(ticket),
                "body": body,
                "language": language,
                "source": f"ticket:{ticket.pk}",
                "transactional": True,
            }
        ]
    )


def ticket_reply_email(message: TicketMessage) -> EmailsQueued:
    """Queue an agent's reply to the ticket's customer (once per message: its key)."""
    ticket = Ticket.objects.select_related("customer").get(pk=message.ticket_id)
    language = _language(ticket)
    with translation.override(language):
        return _queue(
            ticket, key=f"ticket:{ticket.pk}:message:{message.pk}", body=message.body,
            language=language,
        )


def csat_url(ticket: Ticket) -> str:
    """The satisfaction link of a resolved ticket, absolute on DAUR_BASE_URL."""
    path = reverse("web:csat", args=[csat_token_make(ticket)])
    return f"{settings.DAUR_BASE_URL}{path}"


def ticket_csat_email(ticket: Ticket) -> EmailsQueued | None:
    """Queue the satisfaction question of a resolved ticket (once per resolution: reopened and
    resolved again, it is asked again); None when there is nothing to ask."""
    ticket = Ticket.objects.select_related("customer").get(pk=ticket.pk)
    if ticket.resolved_at is None or ticket.satisfaction is not None:
        return None
    language = _language(ticket)
    with translation.override(language):
        body = _(
            "Your request %(reference)s is resolved. How satisfied are you with our help? "
            "Give us a rating from 1 to 5 (it takes a few seconds):\n\n%(link)s"
        ) % {"reference": ticket.external_id, "link": csat_url(ticket)}
        return _queue(
            ticket, key=f"ticket:{ticket.pk}:csat:{ticket.resolved_at.isoformat()}", body=body,
            language=language,
        )
