"""Two workers sending at once, for real (PostgreSQL: two connections): every queued message is
sent exactly once, and queueing the same keys at once writes each message once."""

from __future__ import annotations

import pytest
from django.db import connection

from daur.actions.mail import emails_queue
from daur.actions.mail_send import BATCH, emails_send
from daur.engagement.models import OutboundEmail
from tests.leads.test_concurrency import at_once
from tests.web.factories import customer_make

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: PostgreSQL's")


def _drafts(customers) -> list[dict]:  # noqa: ANN001
    return [
        {"key": f"t:{c.pk}", "customer_id": c.pk, "subject": "Hello", "body": "Hi",
         "language": "", "source": "test"}
        for c in customers
    ]


def test_two_senders_at_once_send_each_message_once(postgresql, smtp):
    customers = [customer_make(email=f"c{i}@shop.example") for i in range(BATCH * 2 + 30)]
    emails_queue(_drafts(customers))
    first, second = at_once(emails_send, emails_send)
    assert first.sent + second.sent == len(customers), (first, second)
    received = [m["To"] for m in smtp.messages]
    assert len(received) == len(set(received)) == len(customers)
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}


def test_the_same_drafts_queued_twice_at_once_write_each_message_once(postgresql):
    customers = [customer_make(email=f"c{i}@shop.example") for i in range(50)]
    drafts = _drafts(customers)
    first, second = at_once(lambda: emails_queue(drafts), lambda: emails_queue(drafts))
    assert first.queued + second.queued == 50
    assert first.existing + second.existing == 50
    assert OutboundEmail.objects.count() == 50
