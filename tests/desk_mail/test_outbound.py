"""The desk's e-mail out: an agent's reply reaches the customer through a real SMTP server with
the ticket's reference in its subject and the service footer (no unsubscribe link), an internal
note never leaves, an opt-out of marketing does not hold back a reply, and a resolution sends
the satisfaction question whose link works."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from daur.actions.mail import consent_set
from daur.actions.mail_send import emails_send
from daur.actions.servicedesk import ticket_open, ticket_reply, ticket_status_change
from daur.engagement.models import OutboundEmail
from daur.servicedesk.models import Ticket
from tests.web.factories import customer_make, user_make


@pytest.mark.django_db(transaction=True)
def test_a_reply_from_the_page_reaches_the_customer_with_the_reference(client, smtp, settings):
    settings.DAUR_SUPPORT_ADDRESS = "support@daur.example"
    agent = user_make("agent-m", role="support_agent")
    client.force_login(agent)
    customer = customer_make(email="ayu@shop.example", language="en")
    ticket = ticket_open(customer=customer, kind="request", subject="Where is my order?")
    response = client.post(
        reverse("web:ticket_act", args=[ticket.pk]),
        {"op": "reply", "body": "It left our warehouse today."},
    )
    assert response.status_code == 302
    client.post(
        reverse("web:ticket_act", args=[ticket.pk]), {"op": "note", "body": "Courier is slow"}
    )
    assert len(smtp.messages) == 1
    sent = smtp.messages[0]
    assert sent["Subject"] == f"[{ticket.external_id}] Where is my order?"
    assert sent["To"] == "ayu@shop.example"
    text = sent.get_content()
    assert "It left our warehouse today." in text
    assert "about your request" in text and "Unsubscribe" not in text
    assert sent["List-Unsubscribe"] is None
    assert sent["Reply-To"] == "support@daur.example"
    assert "Courier" not in text
    row = OutboundEmail.objects.get()
    assert (row.key, row.source, row.transactional, row.status) == (
        f"ticket:{ticket.pk}:message:{ticket.messages.get(kind='reply').pk}",
        f"ticket:{ticket.pk}",
        True,
        "sent",
    )
    page = client.get(reverse("web:outbox_message", args=[row.pk])).content.decode()
    assert "It left our warehouse today." in page and "Unsubscribe" not in page


@pytest.mark.django_db
def test_an_opted_out_customer_still_gets_replies_but_not_without_an_address(
    smtp, django_capture_on_commit_callbacks
):
    out = customer_make(email="out@shop.example", language="it")
    consent_set(customer_id=out.pk, status="opted_out", source="staff")
    none = customer_make(email="")
    tickets = [ticket_open(customer=c, kind="complaint", subject="") for c in (out, none)]
    with django_capture_on_commit_callbacks(execute=True):
        for ticket in tickets:
            ticket_reply(ticket_id=ticket.pk, body="Ci dispiace.", user=None)
    rows = {e.customer_id: e for e in OutboundEmail.objects.all()}
    assert (rows[out.pk].status, rows[none.pk].status, rows[none.pk].reason) == (
        "queued", "skipped", "no_email"
    )
    # Opting out again after queueing does not skip the reply either.
    consent_set(customer_id=out.pk, status="opted_in", source="staff")
    consent_set(customer_id=out.pk, status="opted_out", source="staff")
    assert emails_send().sent == 1
    sent = smtp.messages[0]
    assert sent["Subject"] == f"[{tickets[0].external_id}] La sua richiesta"
    assert "riguarda la sua richiesta" in sent.get_content()


@pytest.mark.django_db
def test_a_resolution_sends_the_satisfaction_link_that_works(
    smtp, django_capture_on_commit_callbacks
):
    agent = user_make("agent-n", role="support_agent")
    ticket = ticket_open(customer=customer_make(email="b@shop.example"), kind="request",
                         subject="Refund")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_status_change(ticket_id=ticket.pk, status="in_progress", user=agent)
        ticket_status_change(ticket_id=ticket.pk, status="resolved", user=agent)
    assert emails_send().sent == 1
    text = smtp.messages[0].get_content()
    link = re.search(r"https://crm\.example\.com(/\S+)", text)
    assert link, text
    assert ticket.external_id in text
    page = Client().post(link.group(1), {"rating": "5"})
    assert page.status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).satisfaction == 5
    # Queued once per resolution: the hook run again writes nothing new.
    from daur.actions.servicedesk_csat import ticket_csat_request_queue

    ticket_csat_request_queue(Ticket.objects.get(pk=ticket.pk))
    assert OutboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_a_reply_stands_when_its_email_cannot_be_queued(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from daur.actions import servicedesk_mail

    def broken(drafts):  # noqa: ANN001, ANN202
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(servicedesk_mail, "emails_queue", broken)
    ticket = ticket_open(customer=customer_make(email="c@shop.example"), kind="request")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket_id=ticket.pk, body="On its way.", user=None)
    assert ticket.messages.get().body == "On its way."
    assert "mail queue down" in caplog.text
    assert OutboundEmail.objects.count() == 0


@pytest.mark.django_db
def test_history_written_without_notify_is_not_mailed(django_capture_on_commit_callbacks):
    agent = user_make("agent-o", role="support_agent")
    ticket = ticket_open(customer=customer_make(email="d@shop.example"), kind="request")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket_id=ticket.pk, body="Done.", user=agent, notify=False)
        ticket_status_change(ticket_id=ticket.pk, status="resolved", user=agent, notify=False)
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"
    assert OutboundEmail.objects.count() == 0
