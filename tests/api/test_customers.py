"""Customers through the API: the list's filters and cursor, the role rule (a rep's token sees
the rep's customers; another's is a 404), create and change through the pages' form, merge."""

from __future__ import annotations

import pytest

from daur.customers.models import Customer, CustomerMerge
from tests.web.factories import customer_make, run_make, score_make

pytestmark = pytest.mark.django_db


def test_the_list_pages_by_cursor_and_filters_as_the_page_does(manager_api):
    for n in range(5):
        customer_make(f"Name {n}", country="ID" if n % 2 else "IT")
    first = manager_api.get("/customers", {"limit": 2})
    assert first.status_code == 200
    body = first.json()
    assert [c["name"] for c in body["data"]] == ["Name 0", "Name 1"] and body["has_more"]
    rest = manager_api.get("/customers", {"limit": 2, "cursor": body["next_cursor"]}).json()
    assert [c["name"] for c in rest["data"]] == ["Name 2", "Name 3"]
    italian = manager_api.get("/customers", {"country": "IT"}).json()["data"]
    assert {c["name"] for c in italian} == {"Name 0", "Name 2", "Name 4"}


def test_a_tampered_or_foreign_cursor_is_a_400(manager_api):
    for n in range(3):
        customer_make(f"Name {n}")
    cursor = manager_api.get("/customers", {"limit": 1}).json()["next_cursor"]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    for bad in (tampered, "garbage", "x" * 500):
        response = manager_api.get("/customers", {"cursor": bad})
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "cursor"
    assert manager_api.get("/customers", {"cursor": cursor, "sort": "created"}).status_code == 400
    assert manager_api.get("/orders", {"cursor": cursor}).status_code == 400


def test_an_unknown_or_bad_filter_is_a_422(manager_api):
    assert manager_api.get("/customers", {"stage": "nonsense"}).status_code == 422
    assert manager_api.get("/customers", {"rfm_r": "9"}).status_code == 422
    assert manager_api.get("/customers", {"limit": "0"}).status_code == 422


def test_a_rep_sees_only_own_customers_and_others_are_404(rep_api, other_rep_api):
    mine = customer_make("Mine", owner=rep_api.user)
    theirs = customer_make("Theirs", owner=other_rep_api.user)
    listed = rep_api.get("/customers").json()["data"]
    assert [c["customer_id"] for c in listed] == [mine.external_id]
    assert rep_api.get(f"/customers/{mine.external_id}").status_code == 200
    for path in (f"/customers/{theirs.external_id}", f"/customers/{theirs.external_id}/score"):
        assert rep_api.get(path).status_code == 404
    assert rep_api.patch(f"/customers/{theirs.external_id}", {"name": "X"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_create_goes_through_the_form_and_a_reps_customer_is_their_own(rep_api, other_rep_api):
    response = rep_api.post(
        "/customers", {"name": "Budi", "email": "Budi@Example.com", "owner": "rep2"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"] == "rep1" and body["email"] == "budi@example.com"
    assert body["kind"] == "person" and body["customer_id"]
    bad = rep_api.post("/customers", {"name": "Citra", "email": "not-an-email"})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"field": "email",
                                     "reason": "Enter an e-mail address such as name@example.com."}]
    taken = rep_api.post("/customers", {"customer_id": body["customer_id"], "name": "Dup"})
    assert taken.status_code == 409
    assert Customer.objects.count() == 1


def test_readers_do_not_write(support_api, marketer_api):
    customer = customer_make("Ana")
    for api in (support_api, marketer_api):
        assert api.post("/customers", {"name": "New"}).status_code == 403
        assert api.get(f"/customers/{customer.external_id}").status_code == 200
        response = api.patch(f"/customers/{customer.external_id}", {"name": "Changed"})
        assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.name == "Ana" and Customer.objects.count() == 1


def test_update_changes_only_the_given_fields(manager_api):
    customer = customer_make("Ana", city="Bandung", email="ana@example.com")
    response = manager_api.patch(f"/customers/{customer.external_id}", {"city": "Jakarta"})
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert (customer.name, customer.city, customer.email) == ("Ana", "Jakarta", "ana@example.com")
    bad = manager_api.patch(f"/customers/{customer.external_id}", {"customer_id": "NEW"})
    assert bad.status_code == 422
    unknown = manager_api.patch(f"/customers/{customer.external_id}", {"colour": "red"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0] == {"field": "colour",
                                           "reason": "is not a known field"}


def test_the_score_is_read_with_its_reasons(manager_api):
    customer = customer_make("Ana")
    assert manager_api.get(f"/customers/{customer.external_id}/score").status_code == 404
    score_make(customer, run=run_make(), strategy="protect")
    response = manager_api.get(f"/customers/{customer.external_id}/score")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["strategy"] == "protect" and body["lifecycle_stage"] == "retention"
    assert body["strategy_reasons"] and body["actions"]
    brief = manager_api.get(f"/customers/{customer.external_id}").json()["score"]
    assert brief["clv_12m"] == 1_000_000.0


def test_merge_is_for_managers_and_moves_the_duplicate(manager_api, rep_api):
    keep = customer_make("Ana", owner=rep_api.user)
    duplicate = customer_make("Ana B", owner=rep_api.user)
    path = f"/customers/{keep.external_id}/merge"
    assert rep_api.post(path, {"duplicates": [duplicate.external_id]}).status_code == 404
    response = manager_api.post(path, {"duplicates": [duplicate.external_id]})
    assert response.status_code == 200, response.content
    assert response.json()["merged"] == [duplicate.external_id]
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    assert CustomerMerge.objects.count() == 1
    again = manager_api.post(path, {"duplicates": [duplicate.external_id]})
    assert again.status_code == 422


def test_the_compiled_read_gives_what_the_list_gives_for_each_customer(manager_api, rep_api):
    """GET /customers/{id} (compiled once per process: daur.db.compiled) answers the same record
    as the list (through the ORM) — fields, custom fields, consumers, score — in both scopes."""
    from daur.customers.models import Consumer

    run = run_make()
    mine = customer_make("Mine", owner=rep_api.user, custom_fields={"tier": "gold"}, city="Bari")
    Consumer.objects.create(customer=mine, name="Ada", relation="buyer")
    Consumer.objects.create(customer=mine, name="Bo", relation="user")
    score_make(mine, run=run, clv=123.5, p_alive=0.25)
    other = customer_make("Other", email="o@example.com")
    listed = {c["customer_id"]: c for c in manager_api.get("/customers").json()["data"]}
    for customer in (mine, other):
        read = manager_api.get(f"/customers/{customer.external_id}")
        assert read.status_code == 200
        assert read.json() == listed[customer.external_id]
    assert rep_api.get(f"/customers/{mine.external_id}").json() == listed[mine.external_id]
    assert rep_api.get(f"/customers/{other.external_id}").status_code == 404
    assert [c["name"] for c in listed[mine.external_id]["consumers"]] == ["Ada", "Bo"]
    assert listed[mine.external_id]["score"]["clv_12m"] == 123.5
