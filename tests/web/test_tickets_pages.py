"""The service desk's pages: the queue with its filters and bulk changes, opening a ticket, the
ticket's page (conversation, internal notes, status flow), the 360 page's tickets, and roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from daur.actions.servicedesk import ticket_open, ticket_reply
from daur.servicedesk.models import SlaPolicy, Team, Ticket, TicketMessage
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def agent(client):
    user = user_make("agent1", role="support_agent", first_name="Ayu")
    client.force_login(user)
    return user


def a_ticket(customer=None, **kw) -> Ticket:  # noqa: ANN001
    kw.setdefault("kind", "complaint")
    return ticket_open(customer=customer or customer_make(), subject="Late parcel", **kw)


def test_an_agent_opens_a_ticket_from_the_form(client, agent):
    customer = customer_make("Budi", external_id="C-77")
    page = client.get(reverse("web:ticket_new") + f"?customer={customer.pk}")
    assert 'value="C-77"' in page.content.decode()
    response = client.post(
        reverse("web:ticket_new"),
        {"customer": "C-77", "kind": "request", "priority": "high", "subject": "Invoice",
         "body": "Send it again"},
    )
    ticket = Ticket.objects.get(customer=customer)
    assert response.status_code == 302 and response.url == reverse("web:ticket", args=[ticket.pk])
    assert (ticket.kind, ticket.priority, ticket.assignee) == ("request", "high", agent)


def test_an_unknown_customer_is_said_on_the_form(client, agent):
    response = client.post(
        reverse("web:ticket_new"), {"customer": "NOPE", "kind": "request", "priority": "normal",
                                    "subject": "x"},
    )
    assert response.status_code == 200
    assert "No customer has the id NOPE." in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_queue_filters_and_orders_by_due_moment(client, agent):
    SlaPolicy.objects.create(priority="normal", response_minutes=60, resolution_minutes=480)
    now = timezone.now()
    late = a_ticket(opened_at=now - timedelta(hours=9))
    soon = a_ticket(opened_at=now - timedelta(hours=7), assignee=agent)
    fresh = a_ticket(opened_at=now - timedelta(minutes=5))
    body = client.get(reverse("web:tickets")).content.decode()
    assert body.index(late.external_id) < body.index(soon.external_id) < body.index(
        fresh.external_id
    )
    breached = client.get(reverse("web:tickets"), {"breach": "breached"}).content.decode()
    assert late.external_id in breached and fresh.external_id not in breached
    # the one opened 7 hours ago has its first response overdue: breached too, not "soon"
    mine = client.get(reverse("web:tickets"), {"agent": "me"}).content.decode()
    assert soon.external_id in mine and late.external_id not in mine
    bad = client.get(reverse("web:tickets"), {"priority": "<b>", "agent": "x"})
    assert bad.status_code == 200  # a value outside its set is dropped


def test_the_ticket_page_shows_the_conversation_escaped(client, agent):
    ticket = a_ticket(body=HOSTILE)
    ticket_reply(ticket_id=ticket.pk, body="internal: refund approved", user=agent, kind="note")
    body = client.get(reverse("web:ticket", args=[ticket.pk])).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body
    assert "internal: refund approved" in body


def test_notes_are_hidden_from_a_sales_rep_and_a_marketer(client):
    rep = user_make("rep9", role="sales_rep")
    agent = user_make("agent2", role="support_agent")
    ticket = a_ticket(customer=customer_make(owner=rep))
    ticket_reply(ticket_id=ticket.pk, body="secret note", user=agent, kind="note")
    ticket_reply(ticket_id=ticket.pk, body="public reply", user=agent)
    for user in (rep, user_make("mkt", role="marketer")):
        client.force_login(user)
        body = client.get(reverse("web:ticket", args=[ticket.pk])).content.decode()
        assert "public reply" in body and "secret note" not in body
        assert "Reply to the customer" not in body
        response = client.post(
            reverse("web:ticket_act", args=[ticket.pk]), {"op": "reply", "body": "hi"}
        )
        assert response.status_code == 403
    assert not TicketMessage.objects.filter(body="hi").exists()


def test_a_sales_rep_sees_only_their_customers_tickets(client, rep):
    mine = a_ticket(customer=customer_make(owner=rep))
    theirs = a_ticket(customer=customer_make(owner=user_make("rep2")))
    assert client.get(reverse("web:ticket", args=[theirs.pk])).status_code == 404
    body = client.get(reverse("web:tickets")).content.decode()
    assert mine.external_id in body and theirs.external_id not in body
    assert client.get(reverse("web:ticket_new")).status_code == 403


def test_working_a_ticket_from_its_page(client, agent):
    ticket = a_ticket()
    act = reverse("web:ticket_act", args=[ticket.pk])
    client.post(act, {"op": "reply", "body": "We are on it"})
    ticket.refresh_from_db()
    assert ticket.status == "in_progress" and ticket.first_response_at is not None
    response = client.post(act, {"op": "status", "status": "closed"}, follow=True)
    assert "cannot go from “In progress” to “Closed”" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == "in_progress"
    team = Team.objects.create(name="Billing")
    client.post(act, {"op": "assign", "assignee": str(agent.pk), "team": str(team.pk)})
    client.post(act, {"op": "priority", "priority": "urgent"})
    for status in ("resolved", "closed"):
        client.post(act, {"op": "status", "status": status})
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.team, ticket.priority, ticket.status) == (
        agent, team, "urgent", "closed"
    )
    response = client.post(act, {"op": "reply", "body": "late words"}, follow=True)
    assert "This ticket is closed" in response.content.decode()
    assert not TicketMessage.objects.filter(body="late words").exists()


def test_bulk_assign_and_move(client, agent):
    first, second = a_ticket(), a_ticket()
    ticket_reply(ticket_id=second.pk, body="x", user=agent)
    response = client.post(
        reverse("web:tickets_bulk"),
        {"ticket": [first.pk, second.pk], "assignee": str(agent.pk), "status": "waiting"},
        follow=True,
    )
    assert "2 tickets changed." in response.content.decode()
    assert set(Ticket.objects.values_list("status", "assignee")) == {("waiting", agent.pk)}
    response = client.post(
        reverse("web:tickets_bulk"), {"ticket": [first.pk], "status": "closed"}, follow=True
    )
    assert f"{first.external_id}: A ticket cannot go from" in response.content.decode()
    nothing = client.post(reverse("web:tickets_bulk"), {"ticket": [first.pk]}, follow=True)
    assert "Pick tickets and a change to make." in nothing.content.decode()


def test_the_360_page_lists_the_customers_tickets(client, agent):
    customer = customer_make("Sari")
    ticket = a_ticket(customer=customer)
    body = client.get(reverse("web:customer", args=[customer.pk])).content.decode()
    assert reverse("web:ticket", args=[ticket.pk]) in body
    assert f"{reverse('web:ticket_new')}?customer={customer.pk}" in body


def test_the_pages_in_indonesian_and_italian(client, agent):
    ticket = a_ticket()
    words = {"id": ("Antrean saya", "Percakapan"), "it": ("La mia coda", "Conversazione")}
    for language, (queue_word, ticket_word) in words.items():
        client.cookies["django_language"] = language
        queue = client.get(reverse("web:tickets")).content.decode()
        page = client.get(reverse("web:ticket", args=[ticket.pk])).content.decode()
        assert queue_word in queue and ticket_word in page


def test_a_calendar_saved_in_the_admin_recomputes_open_tickets(
    client, manager, django_capture_on_commit_callbacks
):
    from datetime import UTC, datetime

    from daur.servicedesk.models import BusinessCalendar

    policy = SlaPolicy.objects.create(
        priority="normal", response_minutes=60, resolution_minutes=120
    )
    monday = datetime(2025, 6, 2, 16, tzinfo=UTC)
    ticket = a_ticket(opened_at=monday)
    assert ticket.resolution_due_at == datetime(2025, 6, 2, 18, tzinfo=UTC)
    calendar = BusinessCalendar.objects.create(name="Office")
    policy.calendar = calendar
    policy.save()
    form = {
        "name": "Office", "time_zone": "UTC", "workdays": "0,1,2,3,4", "day_start": "09:00",
        "day_end": "17:00", "holidays-TOTAL_FORMS": "1", "holidays-INITIAL_FORMS": "0",
        "holidays-0-day": "2025-06-03", "holidays-0-name": "Waisak",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:servicedesk_businesscalendar_change", args=[calendar.pk]), form
        )
    assert response.status_code == 302
    # one hour on Monday, Tuesday a holiday, one hour on Wednesday
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == datetime(2025, 6, 4, 10, tzinfo=UTC)


def test_the_service_dashboard(client, agent):
    from daur.actions.servicedesk import ticket_status_change

    SlaPolicy.objects.create(priority="normal", response_minutes=60, resolution_minutes=480)
    now = timezone.now()
    done = a_ticket(opened_at=now - timedelta(hours=3))
    ticket_reply(ticket_id=done.pk, body="ok", user=agent, now=now - timedelta(hours=2))
    ticket_status_change(ticket_id=done.pk, status="resolved", user=agent, now=now)
    a_ticket(opened_at=now - timedelta(days=2))
    body = client.get(reverse("web:tickets_dashboard")).content.decode()
    assert 'id="kpi-opened">2<' in body
    assert 'id="kpi-sla">100.0 %<' in body or 'id="kpi-sla">100,0 %<' in body
    assert "1-3 d" in body
    client.force_login(user_make("rep5", role="sales_rep"))
    assert client.get(reverse("web:tickets_dashboard")).status_code == 403


def test_a_save_tickets_subject_reads_in_the_users_language(client, agent):
    from daur.actions.servicedesk_save import SAVE_SUBJECT

    ticket = ticket_open(
        customer=customer_make(), kind="request", subject=SAVE_SUBJECT, origin="save"
    )
    client.cookies["django_language"] = "id"
    body = client.get(reverse("web:ticket", args=[ticket.pk])).content.decode()
    assert "Selamatkan: detraktor bernilai" in body


def test_a_refused_reply_keeps_the_typed_words(client, agent):
    ticket = a_ticket()
    words = "kata " * 10_001  # 50,005 characters: one message holds 50,000
    response = client.post(reverse("web:ticket_act", args=[ticket.pk]), {"op": "reply", "body": words})
    body = response.content.decode()
    assert response.status_code == 400
    assert "A message is at most 50,000 characters." in body
    assert "kata kata kata" in body
    assert not TicketMessage.objects.filter(ticket=ticket, kind="reply").exists()
