"""A ticket's workflow by API, as on the ticket page: a public reply e-mailed to the customer, an
internal note not (and read by the desk alone), status moves by the desk's flow; an invalid move
or a reply to a closed ticket a clear 409, nothing written; the roles of the desk."""

from __future__ import annotations

import pytest

from daur.actions.servicedesk import ticket_open
from daur.engagement.mail_models import OutboundEmail
from daur.servicedesk.models import Ticket, TicketEvent, TicketMessage
from tests.api.conftest import api_client
from tests.web.factories import customer_make

pytestmark = pytest.mark.django_db
ROLES = ("admin", "manager", "sales_rep", "marketer", "support_agent")


@pytest.fixture
def ticket(db) -> Ticket:
    customer = customer_make("Budi", email="budi@example.com")
    return ticket_open(
        customer=customer,
        kind="complaint",
        subject="Late parcel",
        external_id="T-1",
        body="Where is it?",
    )


def _client(role: str):  # noqa: ANN202
    return api_client(f"u-{role}", role, is_superuser=role in ("admin", "manager"))


def test_a_reply_is_e_mailed_and_starts_the_work(ticket, django_capture_on_commit_callbacks):
    api = _client("support_agent")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/tickets/T-1/reply", {"body": "On its way.\nSorry!"})
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "reply" and response.json()["author"] == "u-support_agent"
    ticket.refresh_from_db()
    assert ticket.status == "in_progress" and ticket.first_response_at is not None
    mail = OutboundEmail.objects.get()
    assert mail.to_address == "budi@example.com" and "On its way." in mail.body_text


def test_a_note_is_not_e_mailed_and_only_the_desk_reads_it(
    ticket, django_capture_on_commit_callbacks
):
    api = _client("support_agent")
    with django_capture_on_commit_callbacks(execute=True):
        note = api.post("/tickets/T-1/reply", {"body": "VIP, be kind", "kind": "note"})
    assert note.status_code == 201
    assert not OutboundEmail.objects.exists()
    assert Ticket.objects.get().status == "open"  # a note starts nothing
    desk = [m["kind"] for m in api.get("/tickets/T-1/messages").json()]
    assert desk == ["customer", "note"]
    reader = [m["kind"] for m in _client("marketer").get("/tickets/T-1/messages").json()]
    assert reader == ["customer"]


def test_status_moves_by_the_flow_and_an_invalid_move_writes_nothing(ticket):
    api = _client("manager")
    moved = api.post("/tickets/T-1/status", {"status": "resolved"})
    assert moved.status_code == 200, moved.content
    assert moved.json()["status"] == "resolved" and moved.json()["resolved_at"]
    assert set(moved.json()["moves"]) == {"in_progress", "closed"}
    assert api.post("/tickets/T-1/status", {"status": "closed"}).status_code == 200
    events = TicketEvent.objects.count()
    refused = api.post("/tickets/T-1/status", {"status": "waiting"})
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "status"
    assert Ticket.objects.get().status == "closed" and TicketEvent.objects.count() == events
    messages = TicketMessage.objects.count()
    late = api.post("/tickets/T-1/reply", {"body": "Anything else?"})
    assert late.status_code == 409 and "closed" in late.json()["detail"]
    assert TicketMessage.objects.count() == messages


@pytest.mark.parametrize("role", ROLES)
def test_the_desk_works_tickets_the_others_read(ticket, role):
    api = _client(role)
    works = role in ("admin", "manager", "support_agent")
    reply = api.post("/tickets/T-1/reply", {"body": "Hello"})
    status = api.post("/tickets/T-1/status", {"status": "waiting"})
    if role == "sales_rep":  # not the rep's customer: out of sight
        assert (reply.status_code, status.status_code) == (404, 404)
        assert api.get("/tickets/T-1/messages").status_code == 404
    else:
        assert reply.status_code == (201 if works else 403)
        assert status.status_code == (200 if works else 403)
        assert api.get("/tickets/T-1/messages").status_code == 200
    assert TicketMessage.objects.count() == (2 if works else 1)
    assert Ticket.objects.get().status == ("waiting" if works else "open")


def test_a_rep_reads_the_tickets_of_own_customers_without_working_them(ticket):
    rep = _client("sales_rep")
    Ticket.objects.filter(pk=ticket.pk).update(customer=customer_make("Mine", owner=rep.user))
    assert rep.get("/tickets/T-1/messages").status_code == 200
    assert rep.post("/tickets/T-1/reply", {"body": "Hi"}).status_code == 403


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("reply", {"body": ""}, "body"),
        ("reply", {"body": "   "}, "body"),
        ("reply", {"body": "x\x00"}, "body"),
        ("reply", {"body": 5}, "body"),
        ("reply", {"body": "x" * 50_001}, "body"),
        ("reply", {"body": "Hi", "kind": "customer"}, "kind"),
        ("reply", {"body": "Hi", "cc": "all"}, "cc"),
        ("status", {"status": "gone"}, "status"),
        ("status", {"status": None}, "status"),
        ("status", {}, "status"),
    ],
)
def test_bad_input_is_a_clear_422_and_nothing_is_written(
    ticket, path, body, field, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _client("support_agent").post(f"/tickets/T-1/{path}", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert TicketMessage.objects.count() == 1 and Ticket.objects.get().status == "open"
    assert not OutboundEmail.objects.exists()


def test_unknown_tickets_are_404(ticket):
    api = _client("manager")
    for key in ("T-2", "%00", "x" * 80):
        assert api.post(f"/tickets/{key}/reply", {"body": "Hi"}).status_code == 404
        assert api.post(f"/tickets/{key}/status", {"status": "waiting"}).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_the_desk_opens_a_ticket_for_a_customer_as_on_the_new_ticket_page(db, role):
    customer_make("Sari", external_id="S-1")
    api = _client(role)
    body = {"kind": "request", "priority": "high", "subject": "Invoice", "body": "Again?"}
    response = api.post("/customers/S-1/tickets", body)
    works = role in ("admin", "manager", "support_agent")
    expected = 404 if role == "sales_rep" else 201 if works else 403  # not the rep's customer
    assert response.status_code == expected, response.content
    if works:
        out = response.json()
        assert (out["customer_id"], out["status"], out["priority"]) == ("S-1", "open", "high")
        ticket = Ticket.objects.get()
        assert ticket.external_id == out["ticket_id"]
        assert ticket.assignee == (api.user if role == "support_agent" else None)
        assert TicketMessage.objects.get().body == "Again?"
    else:
        assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "rant", "subject": "x"}, "kind"),
        ({"kind": "request"}, "subject"),
        ({"kind": "request", "subject": "  "}, "subject"),
        ({"kind": "request", "subject": "x" * 201}, "subject"),
        ({"kind": "request", "subject": "a\nb"}, "subject"),
        ({"kind": "request", "subject": "x", "priority": "now"}, "priority"),
        ({"kind": "request", "subject": "x", "assignee": "me"}, "assignee"),
    ],
)
def test_a_bad_new_ticket_is_a_clear_422_and_nothing_is_written(db, body, field):
    customer_make("Sari", external_id="S-1")
    response = _client("support_agent").post("/customers/S-1/tickets", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert not Ticket.objects.exists()
