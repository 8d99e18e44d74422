"""Products, orders, interactions, tickets and surveys through the API: written as the import
writes them (its validation, its messages), read and listed within the role rule."""

from __future__ import annotations

import pytest

from daur.catalog.models import Product
from daur.engagement.models import Interaction
from daur.sales.models import Order
from daur.servicedesk.models import Ticket
from daur.surveys.models import SurveyAnswer
from tests.web.factories import customer_make, order_make, product_make

pytestmark = pytest.mark.django_db


def test_one_record_of_each_kind_is_created_read_and_listed(manager_api):
    customer = customer_make("Ana")
    cid = customer.external_id
    sent = {
        "/products": {"sku": "TEA", "name": "Tea", "category": "drinks", "price": "12.50"},
        "/orders": {"order_id": "O1", "customer_id": cid, "ordered_at": "2026-03-01T10:00:00Z",
                    "amount": 25, "lines": [{"sku": "TEA", "quantity": 2, "unit_price": 12.5}]},
        "/interactions": {"customer_id": cid, "kind": "call", "occurred_at": "2026-03-02"},
        "/tickets": {"ticket_id": "T1", "customer_id": cid, "kind": "complaint",
                     "opened_at": "2026-03-03"},
        "/surveys": {"customer_id": cid, "answered_at": "2026-03-04", "nps": 9},
    }
    for path, body in sent.items():
        response = manager_api.post(path, body)
        assert response.status_code == 201, (path, response.content)
        assert response.json()["created"] == 1
    assert Product.objects.get(sku="TEA").price == 12.5
    order = manager_api.get("/orders/O1").json()
    assert order["customer_id"] == cid and order["amount"] == "25.00"
    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [("TEA", "2.000")]
    assert manager_api.get("/tickets/T1").json()["status"] == "open"
    interactions = manager_api.get("/interactions", {"customer_id": cid}).json()["data"]
    assert [i["kind"] for i in interactions] == ["call"]
    survey_id = manager_api.get("/surveys").json()["data"][0]["id"]
    assert manager_api.get(f"/surveys/{survey_id}").json()["nps"] == 9
    assert manager_api.get("/products/TEA").json()["category"] == "drinks"


def test_a_bad_record_is_refused_with_the_imports_reason_and_nothing_written(manager_api):
    customer_make("Ana")
    response = manager_api.post(
        "/orders", {"order_id": "O1", "customer_id": "NOPE", "ordered_at": "2026-03-01",
                    "amount": 10}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "customer_id" and error["record"] == 1
    assert "NOPE" in error["reason"]
    assert not Order.objects.exists()


def test_patch_changes_the_given_fields_through_the_import(manager_api):
    product_make("TEA", name="Tea", price=10)
    response = manager_api.patch("/products/TEA", {"price": "11.00"})
    assert response.status_code == 200, response.content
    product = Product.objects.get(sku="TEA")
    assert (product.name, str(product.price)) == ("Tea", "11.00")
    assert manager_api.patch("/products/TEA", {"sku": "OTHER"}).status_code == 422
    assert manager_api.patch("/products/NOPE", {"price": 1}).status_code == 404
    assert manager_api.patch("/products/TEA", {"price": -5}).status_code == 422


def test_a_rep_reads_own_customers_records_only_and_does_not_import(rep_api, other_rep_api):
    mine = customer_make("Mine", owner=rep_api.user)
    theirs = customer_make("Theirs", owner=other_rep_api.user)
    product_make("TEA")
    my_order, their_order = order_make(mine), order_make(theirs)
    assert rep_api.get(f"/orders/{my_order.external_id}").status_code == 200
    assert rep_api.get(f"/orders/{their_order.external_id}").status_code == 404
    listed = [o["order_id"] for o in rep_api.get("/orders").json()["data"]]
    assert listed == [my_order.external_id]
    assert [o["order_id"] for o in rep_api.get(
        "/orders", {"customer_id": theirs.external_id}).json()["data"]] == []
    body = {"order_id": "O9", "customer_id": mine.external_id, "ordered_at": "2026-01-01",
            "amount": 1}
    assert rep_api.post("/orders", body).status_code == 403
    assert rep_api.patch(f"/orders/{my_order.external_id}", {"amount": 2}).status_code == 403
    assert rep_api.get("/products/TEA").status_code == 200
    assert Order.objects.count() == 2


def test_the_support_agent_reads_tickets_and_no_leads_interactions(support_api):
    customer = customer_make("Ana")
    Ticket.objects.create(external_id="T1", customer=customer, kind="request",
                          opened_at="2026-01-01T00:00:00Z")
    assert support_api.get("/tickets/T1").status_code == 200
    assert support_api.get("/leads").json()["data"] == []
    assert not Interaction.objects.exists() and not SurveyAnswer.objects.exists()


def test_ids_no_record_can_have_are_404_not_errors(manager_api):
    for path in ("/orders/%00", "/orders/" + "x" * 300, "/surveys/99999999999999999999999",
                 "/surveys/-1", "/interactions/abc", "/products/%F0%9F%98%80", "/surveys/%C2%B2"):
        assert manager_api.get(path).status_code == 404, path
