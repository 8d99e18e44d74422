"""Bulk ingestion: validated as the import (all or nothing, {record, field, reason}), safe to
retry with an Idempotency-Key, re-scoring the touched customers once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from daur.api.models import IdempotencyKey
from daur.customers.models import Customer
from daur.engagement.models import Interaction
from daur.sales.models import Order, OrderLine
from tests.web.factories import customer_make, product_make, run_make

pytestmark = pytest.mark.django_db


def _orders(customer_id: str, n: int = 3, start: int = 1) -> list[dict]:
    return [
        {"order_id": f"O{i}", "customer_id": customer_id, "ordered_at": "2026-02-01T09:00:00Z",
         "amount": 100 + i, "lines": [{"sku": "TEA", "quantity": 1, "unit_price": 100 + i}]}
        for i in range(start, start + n)
    ]


@pytest.fixture
def base(db):
    product_make("TEA")
    return customer_make("Ana")


def test_orders_with_lines_are_written_and_counted(manager_api, base):
    response = manager_api.post("/orders/bulk", {"records": _orders(base.external_id)})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["records"], body["created"], body["lines"]["created"]) == (3, 3, 3)
    assert Order.objects.count() == 3 and OrderLine.objects.count() == 3
    again = manager_api.post("/orders/bulk", {"records": _orders(base.external_id)}).json()
    assert (again["created"], again["unchanged"]) == (0, 3)  # an upsert on the order id


def test_one_bad_record_writes_nothing_and_each_problem_is_named(manager_api, base):
    records = _orders(base.external_id, 4)
    records[1]["amount"] = "lots"
    records[2]["customer_id"] = "GHOST"
    records[3]["lines"][0]["sku"] = "NOPE"
    response = manager_api.post("/orders/bulk", {"records": records})
    assert response.status_code == 422
    errors = {(e["record"], e["field"]) for e in response.json()["errors"]}
    assert (2, "amount") in errors
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    del records[1]
    records[1]["customer_id"] = base.external_id
    response = manager_api.post("/orders/bulk", {"records": records})
    assert response.status_code == 422
    assert [(e["record"], e["field"]) for e in response.json()["errors"]] == [(3, "lines.0.sku")]
    assert not Order.objects.exists()


def test_a_value_with_line_breaks_keeps_the_record_numbers(manager_api, base):
    records = [
        {"customer_id": base.external_id, "kind": "call", "occurred_at": "2026-01-01",
         "note": "first\nsecond\r\nthird, \"quoted\""},
        {"customer_id": base.external_id, "kind": "visit", "occurred_at": "2026-01-02",
         "user": "nobody-here"},
    ]
    response = manager_api.post("/interactions/bulk", {"records": records})
    assert response.status_code == 422
    assert [(e["record"], e["field"]) for e in response.json()["errors"]] == [(2, "user")]
    del records[1]["user"]
    assert manager_api.post("/interactions/bulk", {"records": records}).status_code == 200
    assert Interaction.objects.get(kind="call").note == "first\nsecond\r\nthird, \"quoted\""


def test_shape_errors_name_the_record_and_field(manager_api, base):
    records = _orders(base.external_id, 2)
    records[1]["colour"] = "red"
    records[0]["amount"] = {"nested": 1}
    response = manager_api.post("/orders/bulk", {"records": records})
    assert response.status_code == 422
    found = {(e.get("record"), e["field"]) for e in response.json()["errors"]}
    assert (2, "colour") in found and any(r == 1 and f.startswith("amount") for r, f in found)
    too_many = {"records": [{"customer_id": "C", "name": "N"}] * 10_001}
    assert manager_api.post("/customers/bulk", too_many).status_code == 422
    assert manager_api.post("/customers/bulk", {"records": []}).status_code == 422
    assert manager_api.post("/customers/bulk", {"rows": []}).status_code == 422
    assert not Order.objects.exists() and Customer.objects.count() == 1


def test_bulk_is_for_admins_and_managers(rep_api, base):
    response = rep_api.post("/customers/bulk", {"records": [{"customer_id": "X", "name": "X"}]})
    assert response.status_code == 403
    assert not Customer.objects.filter(external_id="X").exists()


def test_a_retry_with_the_key_returns_the_first_answer_and_writes_nothing(manager_api, base):
    body = {"records": _orders(base.external_id, 2)}
    first = manager_api.post("/orders/bulk", body, HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == 200 and first.json()["created"] == 2
    Order.objects.filter(external_id="O1").update(amount=1)  # a retry must not overwrite this
    retry = manager_api.post("/orders/bulk", body, HTTP_IDEMPOTENCY_KEY="key-1")
    assert retry.status_code == 200 and retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert Order.objects.get(external_id="O1").amount == 1
    other = manager_api.post("/orders/bulk", {"records": _orders(base.external_id, 1, 5)},
                             HTTP_IDEMPOTENCY_KEY="key-1")
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Order.objects.filter(external_id="O5").exists()


def test_a_refusal_is_kept_too_and_keys_are_per_token(manager_api, base):
    from tests.api.conftest import api_client

    body = {"records": [{"customer_id": "X1", "name": ""}]}
    first = manager_api.post("/customers/bulk", body, HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 422
    assert manager_api.post("/customers/bulk", body, HTTP_IDEMPOTENCY_KEY="k").json() == first.json()
    admin = api_client("root", "admin", is_superuser=True)
    fixed = {"records": [{"customer_id": "X1", "name": "Named"}]}
    assert admin.post("/customers/bulk", fixed, HTTP_IDEMPOTENCY_KEY="k").status_code == 200


def test_while_the_first_runs_a_retry_is_a_409_and_an_expired_key_runs_anew(manager_api, base):
    body = {"records": _orders(base.external_id, 1)}
    first = manager_api.post("/orders/bulk", body, HTTP_IDEMPOTENCY_KEY="slow")
    assert first.status_code == 200
    row = IdempotencyKey.objects.get(key="slow")
    IdempotencyKey.objects.filter(pk=row.pk).update(status=None, body="")  # still running
    busy = manager_api.post("/orders/bulk", body, HTTP_IDEMPOTENCY_KEY="slow")
    assert busy.status_code == 409 and busy.headers["Retry-After"]
    IdempotencyKey.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(1))
    Order.objects.all().delete()
    anew = manager_api.post("/orders/bulk", body, HTTP_IDEMPOTENCY_KEY="slow")
    assert anew.status_code == 200 and Order.objects.count() == 1
    assert manager_api.post("/orders/bulk", body, HTTP_IDEMPOTENCY_KEY=" ").status_code == 400


def test_the_touched_customers_are_rescored_once(
    manager_api, base, rescored, django_capture_on_commit_callbacks
):
    run_make()
    other = customer_make("Budi")
    records = _orders(base.external_id, 2) + _orders(other.external_id, 1, 9)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_api.post("/orders/bulk", {"records": records})
    assert response.status_code == 200
    assert response.json()["rescore"] == "Re-scored 2 customers with the last fit."
    assert rescored == [sorted([base.pk, other.pk])]
