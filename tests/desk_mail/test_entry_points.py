"""The ways e-mail reaches the desk: the webhook (a shared secret; unset, no endpoint), and the
IMAP poll (each unread message taken and marked read, a refused one flagged, the same message
polled again adding nothing; nothing at all when no mailbox is configured)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from daur.actions import servicedesk_imap
from daur.jobs import tickets_mail_poll_task
from daur.schedules import SCHEDULES
from daur.servicedesk.models import InboundEmail, Ticket
from tests.desk_mail.mails import mail
from tests.web.factories import customer_make

pytestmark = pytest.mark.django_db

URL = "/inbound/email/"


def post(client, raw: bytes, secret: str | None = "s3cret", kind: str = "message/rfc822"):  # noqa: ANN001, ANN201
    headers = {"HTTP_X_DAUR_INBOUND_SECRET": secret} if secret is not None else {}
    return client.post(URL, data=raw, content_type=kind, **headers)


def test_the_route_is_the_documented_one():
    assert reverse("web:inbound_email") == URL


def test_without_a_configured_secret_there_is_no_endpoint(client, settings):
    settings.DAUR_INBOUND_EMAIL_SECRET = ""
    assert post(client, mail()).status_code == 404
    assert Ticket.objects.count() == 0


def test_a_wrong_or_missing_secret_is_forbidden(client, settings):
    settings.DAUR_INBOUND_EMAIL_SECRET = "s3cret"
    assert post(client, mail(), secret="guess").status_code == 403
    assert post(client, mail(), secret=None).status_code == 403
    assert Ticket.objects.count() == 0


def test_the_webhook_takes_a_message_once_without_a_csrf_token(settings):
    from django.test import Client

    settings.DAUR_INBOUND_EMAIL_SECRET = "s3cret"
    customer_make(email="ayu@shop.example")
    client = Client(enforce_csrf_checks=True)
    raw = mail(message_id="<hook@shop.example>")
    first = post(client, raw)
    assert first.status_code == 201
    reference = Ticket.objects.get().external_id
    assert first.json() == {"outcome": "opened", "ticket": reference, "new_contact": False}
    again = post(client, raw)
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert Ticket.objects.count() == 1


def test_the_webhook_refuses_bad_messages_with_the_reason(client, settings):
    settings.DAUR_INBOUND_EMAIL_SECRET = "s3cret"
    settings.DAUR_INBOUND_EMAIL_MAX_BYTES = 20_000
    assert post(client, mail(), kind="text/plain").status_code == 415
    broken = post(client, b"From: a@b.example\nContent-Type: multipart/mixed\n\nx")
    assert broken.status_code == 422 and "malformed MIME" in broken.json()["error"]
    assert post(client, mail(text="x" * 30_000)).status_code == 413
    assert Ticket.objects.count() == 0


class FakeImap:
    """The few IMAP commands the poll sends, over a dict of uid → message."""

    def __init__(self, messages: dict[bytes, bytes]) -> None:
        self.messages = messages
        self.flags: dict[bytes, set[str]] = {uid: set() for uid in messages}
        self.logged_out = False

    def login(self, user: str, password: str) -> tuple:
        assert (user, password) == ("desk", "pw")
        return "OK", [b"logged in"]

    def select(self, folder: str) -> tuple:
        assert folder == "Support"
        return "OK", [str(len(self.messages)).encode()]

    def uid(self, command: str, *args) -> tuple:  # noqa: ANN002
        if command == "SEARCH":
            unseen = [u for u in self.messages if "\\Seen" not in self.flags[u]]
            return "OK", [b" ".join(unseen)]
        if command == "FETCH":
            uid = args[0]
            return "OK", [(uid + b" (UID " + uid + b" BODY[] {n}", self.messages[uid]), b")"]
        if command == "STORE":
            uid, _, flags = args
            self.flags[uid] |= set(flags.strip("()").split())
            return "OK", []
        raise AssertionError(command)

    def logout(self) -> tuple:
        self.logged_out = True
        return "BYE", []


@pytest.fixture
def mailbox(settings, monkeypatch):
    settings.DAUR_SUPPORT_IMAP_HOST = "imap.daur.example"
    settings.DAUR_SUPPORT_IMAP_USER = "desk"
    settings.DAUR_SUPPORT_IMAP_PASSWORD = "pw"
    settings.DAUR_SUPPORT_IMAP_FOLDER = "Support"
    customer_make(email="ayu@shop.example")
    box = FakeImap(
        {
            b"1": mail(message_id="<one@shop.example>"),
            b"2": b"not a message",
            b"3": mail(sender="new@other.example", message_id="<three@shop.example>"),
        }
    )
    monkeypatch.setattr(servicedesk_imap, "_connect", lambda: box)
    return box


def test_the_poll_takes_unread_mail_once_and_flags_what_it_refused(mailbox):
    polled = servicedesk_imap.tickets_mail_poll()
    assert (polled.outcomes, polled.error) == ({"opened": 2, "refused": 1}, "")
    assert mailbox.flags == {b"1": {"\\Seen"}, b"2": {"\\Seen", "\\Flagged"}, b"3": {"\\Seen"}}
    assert mailbox.logged_out
    assert InboundEmail.objects.count() == 2
    # Marked unread again by someone (or a crash before the mark): nothing is added twice.
    mailbox.flags = {uid: set() for uid in mailbox.flags}
    again = servicedesk_imap.tickets_mail_poll()
    assert again.outcomes == {"duplicate": 2, "refused": 1}
    assert Ticket.objects.count() == 2


def test_the_scheduled_task_does_nothing_without_a_mailbox(settings, monkeypatch):
    settings.DAUR_SUPPORT_IMAP_HOST = ""
    monkeypatch.setattr(servicedesk_imap, "_connect", lambda: pytest.fail("connected"))
    assert tickets_mail_poll_task() == {"ok": True, "skipped": "no support mailbox configured"}
    assert "daur.jobs.tickets_mail_poll" in {s.task for s in SCHEDULES}


def test_the_scheduled_task_polls_a_configured_mailbox_once_a_minute(mailbox, monkeypatch):
    from datetime import UTC, datetime

    from django.core.cache import cache

    import daur.jobs

    minute = datetime(2026, 3, 2, 9, 15, 30, tzinfo=UTC)
    monkeypatch.setattr(daur.jobs.timezone, "now", lambda: minute)
    cache.clear()
    done = tickets_mail_poll_task()
    assert done == {"ok": True, "outcomes": {"opened": 2, "refused": 1}, "error": ""}
    assert tickets_mail_poll_task()["skipped"] == "already polling this minute"


def test_the_webhook_takes_a_message_larger_than_djangos_body_limit(client, settings):
    settings.DAUR_INBOUND_EMAIL_SECRET = "s3cret"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    customer_make(email="ayu@shop.example")
    response = post(client, mail(text="photo attached\n" + "y" * 200_000))
    assert response.status_code == 201
    body = Ticket.objects.get().messages.get().body
    assert body.startswith("photo attached") and len(body) == 50_000
