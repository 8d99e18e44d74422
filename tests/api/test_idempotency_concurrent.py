"""Eight identical bulk requests at once with one Idempotency-Key (PostgreSQL: eight
connections): the orders are written once; every other answer is the first one replayed or a
409 while it runs, never a second write."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client

from daur.api.models import IdempotencyKey
from daur.sales.models import Order, OrderLine
from tests.api.conftest import api_client
from tests.leads.test_concurrency import at_once
from tests.web.factories import customer_make, product_make

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("eight connections writing at once: PostgreSQL's")


def test_eight_concurrent_identical_requests_write_once(postgresql):
    api = api_client("boss", "manager", is_superuser=True)
    product_make("TEA")
    customer = customer_make("Ana")
    records = [
        {"order_id": f"O{i}", "customer_id": customer.external_id, "amount": 10 + i,
         "ordered_at": "2026-02-01T10:00:00Z",
         "lines": [{"sku": "TEA", "quantity": 1, "unit_price": 10 + i}]}
        for i in range(200)
    ]
    body = json.dumps({"records": records})

    def send():  # noqa: ANN202
        response = Client().post(
            "/api/v1/orders/bulk", body, content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {api.secret}", HTTP_IDEMPOTENCY_KEY="same-key",
        )
        return response.status_code, response.json()

    answers = at_once(*[send] * 8)
    statuses = sorted(status for status, _ in answers)
    assert set(statuses) <= {200, 409} and 200 in statuses, answers
    oks = [body for status, body in answers if status == 200]
    assert all(ok == oks[0] for ok in oks)
    assert [ok["created"] for ok in oks].count(200) == len(oks)
    assert Order.objects.count() == 200 and OrderLine.objects.count() == 200
    assert IdempotencyKey.objects.get().status == 200
    status, replay = send()
    assert (status, replay) == (200, oks[0])
    assert Order.objects.count() == 200
