"""E-mail to the desk: a known customer's message opens a request, a reply carrying a ticket's
reference adds to it (and brings a waiting ticket back to work), an unknown sender becomes a new
contact, the same Message-ID twice adds nothing, a closed ticket's reference opens a new ticket,
and a malformed or oversized message is refused with nothing written."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from daur import cli
from daur.actions.servicedesk import ticket_open, ticket_status_change
from daur.actions.servicedesk_inbound import MailRefused, ticket_mail_take
from daur.customers.models import Customer
from daur.servicedesk.mail_parse import html_text, mail_parse
from daur.servicedesk.models import InboundEmail, Ticket, TicketMessage
from tests.desk_mail.mails import mail
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def counts() -> tuple[int, int, int, int]:
    return (
        Customer.objects.count(),
        Ticket.objects.count(),
        TicketMessage.objects.count(),
        InboundEmail.objects.count(),
    )


def test_a_known_customer_opens_a_request_matched_by_address():
    customer = customer_make(email="Ayu@Shop.Example")
    taken = ticket_mail_take(mail(sender="AYU <AYU@shop.EXAMPLE>"))
    assert (taken.outcome, taken.new_contact) == ("opened", False)
    ticket = Ticket.objects.get(pk=taken.ticket_id)
    assert (ticket.customer_id, ticket.kind, ticket.priority, ticket.origin) == (
        customer.pk, "request", "normal", "email"
    )
    assert ticket.subject == "Where is my order?"
    assert ticket.messages.get().body == "I ordered last week and nothing came."
    assert ticket.messages.get().kind == "customer"


def test_a_reply_with_the_reference_adds_to_the_ticket_and_ends_the_wait():
    customer = customer_make(email="ayu@shop.example")
    agent = user_make("agent-i", role="support_agent")
    ticket = ticket_open(customer=customer, kind="complaint", subject="Broken lid")
    ticket_status_change(ticket_id=ticket.pk, status="waiting", user=agent)
    taken = ticket_mail_take(
        mail(subject=f"RE: [{ticket.external_id}] Broken lid", text="Here is the photo.")
    )
    assert (taken.outcome, taken.ticket_id) == ("added", ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert list(ticket.messages.values_list("kind", "body")) == [
        ("customer", "Here is the photo.")
    ]
    assert Ticket.objects.count() == 1


def test_an_unknown_sender_becomes_a_new_contact():
    taken = ticket_mail_take(mail(sender="Budi Santoso <budi@new.example>"))
    assert (taken.outcome, taken.new_contact) == ("opened", True)
    ticket = Ticket.objects.select_related("customer").get(pk=taken.ticket_id)
    assert ticket.origin == "email_new"
    assert (ticket.customer.name, ticket.customer.email) == ("Budi Santoso", "budi@new.example")
    assert ticket.customer.external_id.startswith("MAIL-")
    client = Client()
    client.force_login(user_make("agent-l", role="support_agent"))
    page = client.get(reverse("web:ticket", args=[ticket.pk])).content.decode()
    assert "E-mail, from a new contact" in page
    # The same sender writes again: the customer created the first time is theirs.
    again = ticket_mail_take(mail(sender="budi@new.example", subject="Another thing"))
    assert (again.outcome, again.new_contact) == ("opened", False)
    assert Customer.objects.count() == 1


def test_the_same_message_id_twice_adds_nothing():
    customer_make(email="ayu@shop.example")
    raw = mail(message_id="<once@shop.example>")
    first = ticket_mail_take(raw)
    before = counts()
    second = ticket_mail_take(raw)
    assert (second.outcome, second.ticket_id) == ("duplicate", first.ticket_id)
    assert counts() == before


def test_a_closed_tickets_reference_opens_a_new_ticket():
    customer = customer_make(email="ayu@shop.example")
    agent = user_make("agent-j", role="support_agent")
    old = ticket_open(customer=customer, kind="request", subject="Invoice")
    for status in ("in_progress", "resolved", "closed"):
        ticket_status_change(ticket_id=old.pk, status=status, user=agent)
    taken = ticket_mail_take(mail(subject=f"Re: [{old.external_id}] Invoice"))
    assert taken.outcome == "opened" and taken.ticket_id != old.pk
    assert Ticket.objects.get(pk=taken.ticket_id).subject == "Invoice"
    assert old.messages.count() == 0


def test_someone_elses_reference_opens_their_own_ticket():
    theirs = ticket_open(customer=customer_make(email="a@shop.example"), kind="request")
    customer_make(email="ayu@shop.example")
    taken = ticket_mail_take(mail(subject=f"[{theirs.external_id}] hello"))
    assert taken.outcome == "opened" and taken.ticket_id != theirs.pk


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"From: a@shop.example\nContent-Type: multipart/mixed\n\nno boundary", "malformed MIME"),
        (b"this is not an e-mail at all", "malformed MIME"),
        (b"From: nobody\nSubject: x\n\nhello", "no sender address"),
        (b"", "empty message"),
        (
            b"From: a@shop.example\nAuto-Submitted: auto-replied\nSubject: Out of office\n\n"
            b"Back on Monday",
            "automatic message (Auto-Submitted: auto-replied)",
        ),
        (
            b"From: MAILER-DAEMON@mx.example\nContent-Type: multipart/report; "
            b'report-type=delivery-status; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
            b"Undeliverable\n--b--\n",
            "automatic message",
        ),
    ],
)
def test_a_malformed_message_is_refused_and_logged_with_nothing_written(raw, reason, caplog):
    before = counts()
    with caplog.at_level(logging.WARNING), pytest.raises(MailRefused) as refused:
        ticket_mail_take(raw, via="test")
    assert reason in refused.value.reason
    assert "Inbound e-mail refused (test)" in caplog.text
    assert counts() == before


def test_an_oversized_message_is_refused(settings):
    settings.DAUR_INBOUND_EMAIL_MAX_BYTES = 50_000
    customer_make(email="ayu@shop.example")
    with pytest.raises(MailRefused, match=r"too large: 6\d,\d{3} bytes, the limit is 50,000"):
        ticket_mail_take(mail(text="x" * 60_000))
    assert Ticket.objects.count() == 0


def test_html_only_becomes_text_and_hostile_text_is_kept_verbatim_and_escaped(client):
    customer_make(email="ayu@shop.example")
    html = ticket_mail_take(
        mail(text=None, html="<p>Hello<script>steal()</script></p><p>a &amp; b</p>")
    )
    assert Ticket.objects.get(pk=html.ticket_id).messages.get().body == "Hello\n\na & b"
    hostile = ticket_mail_take(mail(subject=HOSTILE, text=HOSTILE))
    ticket = Ticket.objects.get(pk=hostile.ticket_id)
    assert ticket.messages.get().body == HOSTILE
    client.force_login(user_make("agent-k", role="support_agent"))
    page = client.get(reverse("web:ticket", args=[ticket.pk])).content.decode()
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_the_parser_prefers_plain_text_and_reads_the_reference():
    parsed = mail_parse(mail(subject="Fwd: Re: [DESK-0005] Late", text="plain", html="<b>h</b>"))
    assert (parsed.reference, parsed.subject, parsed.text) == ("DESK-0005", "Late", "plain")
    assert html_text("<style>p{}</style><ul><li>one</li><li>two</li></ul>") == "one\n\ntwo"


def test_the_command_takes_an_eml_file(tmp_path, capsys):
    customer_make(email="ayu@shop.example")
    eml = tmp_path / "message.eml"
    eml.write_bytes(mail(message_id="<cli@shop.example>"))
    assert cli.main(["ticket-mail", str(eml)]) == 0
    reference = Ticket.objects.get().external_id
    assert f"message.eml: opened ticket {reference}" in capsys.readouterr().out
    assert cli.main(["ticket-mail", str(eml)]) == 0
    assert "already taken" in capsys.readouterr().out
    bad = tmp_path / "bad.eml"
    bad.write_bytes(b"no headers here")
    assert cli.main(["ticket-mail", str(bad)]) == 1
    assert "refused: malformed MIME" in capsys.readouterr().err
    assert Ticket.objects.count() == 1


def test_mail_from_the_desks_own_address_is_refused(settings):
    settings.DAUR_SUPPORT_ADDRESS = "Support@Daur.example"
    settings.DEFAULT_FROM_EMAIL = "Daur <noreply@daur.example>"
    for sender in ("support@daur.example", "Daur <NoReply@daur.example>"):
        with pytest.raises(MailRefused, match="the desk's own address"):
            ticket_mail_take(mail(sender=sender))
    assert counts() == (0, 0, 0, 0)
