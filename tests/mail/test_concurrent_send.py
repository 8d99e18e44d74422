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


def test_a_first_large_load_sets_the_indexes_aside_and_keeps_every_rule(postgresql, monkeypatch):
    """A load as large as the table (here made "large" at 10 rows) is written with the indexes
    and foreign keys set aside and rebuilt: keys repeated in the call or already there are not
    written twice, and the unique index is back afterwards."""
    from django.db import IntegrityError, transaction

    from daur.db import bulk

    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 10)
    set_aside = []
    real = bulk.SetAside
    monkeypatch.setattr(bulk, "SetAside", lambda *a: set_aside.append(a) or real(*a))
    customers = [customer_make(email=f"c{i}@shop.example") for i in range(12)]
    drafts = _drafts(customers)
    emails_queue(drafts[:2])
    with connection.cursor() as cursor:  # the planner's row count, which worth_it reads
        cursor.execute(f"ANALYZE {OutboundEmail._meta.db_table}")
    result = emails_queue(drafts + drafts[:3])
    assert (result.queued, result.existing) == (10, 5)
    assert len(set_aside) == 1  # the first two drafts went in through the unique index
    assert emails_queue(drafts).existing == 12
    assert len(set_aside) == 1  # the table's new size is known: no second rebuild
    assert OutboundEmail.objects.count() == 12
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundEmail.objects.create(
            key=drafts[0]["key"], customer=customers[0], language="en", subject="s",
            body_text="b", status="queued",
        )
