"""The send task through a real Redis broker and a real Celery worker: sent once, run twice."""

from __future__ import annotations

import pytest

from daur.actions.mail import emails_queue
from daur.engagement.models import OutboundEmail
from tests.jobs.test_celery_redis import REDIS_URL
from tests.web.factories import customer_make

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="DAUR_TEST_REDIS_URL is not set (no Redis here)"),
]


@pytest.mark.django_db(transaction=True)
def test_the_send_task_runs_in_a_worker_and_a_second_run_sends_nothing(
    celery_worker_on_redis, smtp  # noqa: F811
):
    from daur.jobs import emails_send

    customer = customer_make(email="c@shop.example")
    queued = emails_queue(
        [{"key": "w:1", "customer_id": customer.pk, "subject": "Hello", "body": "Hi"}]
    )
    first = emails_send.delay(ids=queued.ids).get(timeout=60)
    second = emails_send.delay(ids=queued.ids).get(timeout=60)
    assert (first["sent"], second["sent"]) == (1, 0)
    assert [m["To"] for m in smtp.messages] == ["c@shop.example"]
    assert OutboundEmail.objects.get().status == "sent"
