"""Sending the queued e-mail (docs/email.md): each batch is claimed with one conditional update
(queued → sending), so that two workers or a task run again never send a message twice; sent
through one connection of Django's mail backend per batch, as plain text from the message's
language's template with the one-click unsubscribe link (RFC 8058 headers too). A message the
mail server refuses is `failed` with the server's words and never retried; one that was sent is
never sent again (a worker lost mid-batch leaves its messages `sending`, not queued). A campaign
message's moment of sending is written on its member too, with its status."""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone

from daur.actions.mail import default_language, unsubscribe_token
from daur.campaigns.drafts import SOURCE_PREFIX, campaign_of_source
from daur.campaigns.models import CampaignMember
from daur.db.claim import rows_claim
from daur.db.dialect import moment_value
from daur.engagement.models import EmailConsent, OutboundEmail

BATCH = 100  # messages per claim, and per SMTP connection
MAX_ATTEMPTS = 3  # a message the server defers (4xx) this often is failed
_IDS_PER_CLAIM = 500


@dataclass
class EmailsSent:
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # opted out (or lost the address) since they were queued
    requeued: int = 0  # deferred by the server or not reached: queued again
    error: str = ""  # why sending stopped early (the server could not be reached)

    def add(self, other: EmailsSent) -> None:
        for name in ("sent", "failed", "skipped", "requeued"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.error = self.error or other.error


def unsubscribe_url(email: OutboundEmail) -> str:
    path = reverse("web:unsubscribe", kwargs={"token": unsubscribe_token(email)})
    return f"{settings.DAUR_BASE_URL}{path}"


def message_text(email: OutboundEmail, *, link: str | None = None) -> str:
    """The plain text sent: the body and the footer of the message's language's template (a
    transactional message's footer has no unsubscribe link: it is about the customer's request)."""
    language = email.language or default_language()
    name = "service" if email.transactional else "message"
    template = select_template(
        [f"engagement/email/{name}.{language}.txt", f"engagement/email/{name}.en.txt"]
    )
    context = {"body": email.body_text, "business": settings.DAUR_BUSINESS_NAME}
    if not email.transactional:
        context["unsubscribe_url"] = link or unsubscribe_url(email)
    text = template.render(context)
    # Plain text, not a "safe" string: a page that shows it escapes it like any other text.
    return str.__str__(text)


def message_build(email: OutboundEmail, connection) -> EmailMessage:  # noqa: ANN001
    if email.transactional:
        headers = {}
        if settings.DAUR_SUPPORT_ADDRESS:  # the customer's answer comes back to the desk
            headers["Reply-To"] = settings.DAUR_SUPPORT_ADDRESS
        return EmailMessage(
            subject=email.subject, body=message_text(email), to=[email.to_address],
            connection=connection, headers=headers,
        )
    link = unsubscribe_url(email)
    return EmailMessage(
        subject=email.subject,
        body=message_text(email, link=link),
        to=[email.to_address],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _refusal(error: smtplib.SMTPException) -> tuple[int, str]:
    """The server's code and words for a refused message."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, words = next(iter(error.recipients.values()))
    elif isinstance(error, smtplib.SMTPResponseException):
        code, words = error.smtp_code, error.smtp_error
    else:
        return 0, str(error)
    if isinstance(words, bytes):
        words = words.decode("utf-8", "replace")
    return int(code), f"{code} {words}".strip()


def _claim(ids: list[int] | None, after: int) -> list[OutboundEmail]:
    table = OutboundEmail._meta.db_table
    with transaction.atomic():
        claimed = rows_claim(
            table, status_from="queued", status_to="sending", limit=BATCH, ids=ids,
            after=after, bump="attempts",
        )
    emails = list(
        OutboundEmail.objects.filter(pk__in=claimed)
        .select_related("customer", "customer__email_consent_record")
        .order_by("pk")
    )
    return emails


def _allowed(email: OutboundEmail) -> bool:
    """Still allowed now: the customer may have opted out since the message was queued (which
    does not hold back a transactional message)."""
    if email.transactional:
        return bool(email.to_address)
    customer = email.customer
    record = getattr(customer, "email_consent_record", None)
    opted_out = record is not None and record.status == EmailConsent.Status.OPTED_OUT
    return bool(customer.email_consent and not opted_out and email.to_address)


def _twins(emails: list[OutboundEmail]) -> set[int]:
    """The campaign messages of the batch whose customer already has another of the same
    campaign sent, or ahead of them in the queue: after two members' customers were merged into
    one, each still holds its message. One read for the batch."""
    marketing = [e for e in emails if e.source.startswith(SOURCE_PREFIX) and not e.transactional]
    if not marketing:
        return set()
    rows = OutboundEmail.objects.filter(
        customer_id__in={e.customer_id for e in marketing},
        source__in={e.source for e in marketing},
        status__in=(
            OutboundEmail.Status.SENT, OutboundEmail.Status.SENDING, OutboundEmail.Status.QUEUED
        ),
    ).values_list("pk", "customer_id", "source", "status")
    first: dict[tuple[int, str], int] = {}
    sent: set[tuple[int, str]] = set()
    for pk, customer_id, source, status in rows:
        pair = (customer_id, source)
        if status == OutboundEmail.Status.SENT:
            sent.add(pair)
        first[pair] = min(pk, first.get(pair, pk))
    return {
        e.pk for e in marketing
        if (e.customer_id, e.source) in sent or first.get((e.customer_id, e.source), e.pk) < e.pk
    }


def _batch_send(emails: list[OutboundEmail]) -> EmailsSent:
    outcome = EmailsSent()
    done: list[OutboundEmail] = []
    twins = _twins(emails)
    smtp = get_connection(fail_silently=False)
    pending = list(emails)
    try:
        smtp.open()
        while pending:
            email = pending.pop(0)
            done.append(email)
            if not _allowed(email):
                email.status, email.reason = OutboundEmail.Status.SKIPPED, "opted_out"
                outcome.skipped += 1
                continue
            if email.pk in twins:
                email.status, email.reason = OutboundEmail.Status.SKIPPED, "same_source"
                outcome.skipped += 1
                continue
            try:
                message_build(email, smtp).send()
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                code, reason = _refusal(error)
                if 400 <= code < 500 and email.attempts < MAX_ATTEMPTS:
                    email.status, email.reason = OutboundEmail.Status.QUEUED, reason
                    outcome.requeued += 1
                else:
                    email.status, email.reason = OutboundEmail.Status.FAILED, reason
                    outcome.failed += 1
                continue
            email.status, email.sent_at = OutboundEmail.Status.SENT, timezone.now()
            email.reason = ""
            outcome.sent += 1
    except (smtplib.SMTPException, OSError) as error:
        # The server went away before it took the message: queued again, with the rest.
        outcome.error = f"{type(error).__name__}: {error}"
        for email in ([done.pop()] if done and done[-1].status == "sending" else []) + pending:
            email.status, email.reason = OutboundEmail.Status.QUEUED, outcome.error[:1000]
            outcome.requeued += 1
            done.append(email)
        pending = []
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.close()
        if done:
            _outcomes_write(done)
    return outcome


def _outcomes_write(emails: list[OutboundEmail]) -> None:
    """Each message's status, reason and moment sent, in one executemany (a bulk_update's CASE
    over a batch costs more to build than to run); in the same transaction, a sent campaign
    message's moment on its member (`CampaignMember.sent_at`, the first one kept)."""
    table = OutboundEmail._meta.db_table
    rows = [
        (e.status, e.reason, moment_value(e.sent_at) if e.sent_at else None, e.pk)
        for e in emails
    ]
    members = [
        (moment_value(e.sent_at), campaign, e.customer_id)
        for e in emails
        if e.status == OutboundEmail.Status.SENT
        and (campaign := campaign_of_source(e.source)) is not None
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET status = %s, reason = %s, sent_at = %s WHERE id = %s", rows
        )
        if members:
            cursor.executemany(
                f"UPDATE {CampaignMember._meta.db_table} SET sent_at = %s "
                "WHERE campaign_id = %s AND customer_id = %s AND sent_at IS NULL",
                members,
            )


def emails_send(ids: list[int] | None = None) -> EmailsSent:
    """Send the queued messages (only those of `ids` when given), a batch at a time, until none
    is left or the server cannot be reached (`error`). Safe to run in several workers at once.
    A message the server deferred (4xx) is queued again for the next run, not this one."""
    total = EmailsSent()
    chunks = (
        [None]
        if ids is None
        else [list(ids[i : i + _IDS_PER_CLAIM]) for i in range(0, len(ids), _IDS_PER_CLAIM)]
    )
    for chunk in chunks:
        after = 0  # forward through the ids: a message put back waits for the next run
        while True:
            emails = _claim(chunk, after)
            if not emails:
                break
            after = emails[-1].pk
            outcome = _batch_send(emails)
            total.add(outcome)
            if outcome.error:
                return total
    return total
