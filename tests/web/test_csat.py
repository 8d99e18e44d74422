"""CSAT by a signed link: the customer rates a resolved ticket 1-5 without logging in, in their
language, once; a tampered, expired, reused or stale link and a rating out of range are each
refused with a clear message and nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from daur.actions.servicedesk import ticket_open, ticket_status_change
from daur.actions.servicedesk_csat import CsatRefused, ticket_satisfaction_record
from daur.servicedesk.models import Ticket
from daur.servicedesk.tokens import csat_token_make, csat_token_read
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db


def resolved(country: str = "ID") -> Ticket:
    agent = user_make("agent-c", role="support_agent")
    ticket = ticket_open(customer=customer_make(country=country), kind="request", subject="Refund")
    for status in ("in_progress", "resolved"):
        ticket_status_change(ticket_id=ticket.pk, status=status, user=agent)
    return Ticket.objects.get(pk=ticket.pk)


def test_a_customer_rates_once_in_their_language(client):
    ticket = resolved("ID")
    url = reverse("web:csat", args=[csat_token_make(ticket)])
    page = client.get(url)
    assert page.status_code == 200 and 'lang="id"' in page.content.decode()
    response = client.post(url, {"rating": "4", "comment": "<b>Cepat</b>"})
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.satisfaction, ticket.satisfaction_comment) == (4, "<b>Cepat</b>")
    again = client.post(url, {"rating": "1"})
    assert again.status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).satisfaction == 4
    assert "Anda sudah menjawab" in again.content.decode()


def test_an_italian_customer_gets_italian():
    ticket = resolved("IT")
    from django.test import Client

    body = Client().get(reverse("web:csat", args=[csat_token_make(ticket)])).content.decode()
    assert 'lang="it"' in body and "Com’è andata?" in body


@pytest.mark.parametrize("rating", ["0", "6", "abc", ""])
def test_a_rating_out_of_range_is_refused(client, rating):
    ticket = resolved()
    url = reverse("web:csat", args=[csat_token_make(ticket)])
    response = client.post(url, {"rating": rating, "comment": "kept"})
    assert response.status_code == 400 and "kept" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).satisfaction is None


def test_a_tampered_link_is_refused(client):
    ticket = resolved()
    token = csat_token_make(ticket)
    response = client.get(reverse("web:csat", args=[token[:-2] + "xy"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode() or "tidak" in response.content.decode()


def test_an_expired_link_is_refused(settings):
    ticket = resolved()
    token = csat_token_make(ticket)
    with pytest.raises(Exception, match="expired"):
        csat_token_read(token, max_age_days=-1)
    assert csat_token_read(token).ticket_id == ticket.pk


def test_a_reopened_ticket_makes_its_old_link_stale():
    ticket = resolved()
    token = csat_token_make(ticket)
    agent = user_make("agent-d", role="support_agent")
    ticket_status_change(ticket_id=ticket.pk, status="in_progress", user=agent)
    with pytest.raises(CsatRefused) as refused:
        ticket_satisfaction_record(token=token, rating=5)
    assert refused.value.reason == "stale"
    ticket_status_change(
        ticket_id=ticket.pk, status="resolved", user=agent,
        now=ticket.resolved_at + timedelta(hours=1),
    )
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert ticket_satisfaction_record(token=csat_token_make(fresh), rating=5).satisfaction == 5


def test_the_desk_sees_the_link_of_a_resolved_ticket(client):
    ticket = resolved()
    agent = User = user_make("agent-e", role="support_agent")  # noqa: N806
    client.force_login(User)
    body = client.get(reverse("web:ticket", args=[ticket.pk])).content.decode()
    assert "/csat/" in body
    assert agent.role == "support_agent"
