"""A customer's consumers by API (added, changed, removed by whoever may change the customer) and
the deletes the domain allows — a consumer, a segment no campaign uses — each 204, a sales rep's
token on another rep's customer a 404, a refusal a 409 with nothing written."""

from __future__ import annotations

import pytest

from daur.actions.campaigns import campaign_create
from daur.actions.segments import segment_create
from daur.campaigns.models import Segment
from daur.customers.models import Consumer, Customer
from tests.api.conftest import api_client
from tests.web.factories import customer_make

pytestmark = pytest.mark.django_db
ROLES = ("admin", "manager", "sales_rep", "marketer", "support_agent")


@pytest.fixture
def family(db):
    rep = api_client("owner", "sales_rep")
    customer = customer_make("Parent", owner=rep.user, external_id="P-1")
    child = Consumer.objects.create(customer=customer, name="Ayu", relation="child")
    return {"rep": rep, "customer": customer, "child": child}


def _client(role: str, family):  # noqa: ANN001, ANN202
    if role == "sales_rep":
        return family["rep"]
    return api_client(f"u-{role}", role, is_superuser=role in ("admin", "manager"))


@pytest.mark.parametrize("role", ROLES)
def test_who_may_change_the_customer_changes_its_consumers(family, role):
    api = _client(role, family)
    writes = role in ("admin", "manager", "sales_rep")
    child = family["child"].pk
    assert api.get("/customers/P-1/consumers").json() == [
        {"id": child, "name": "Ayu", "relation": "child"}
    ]
    added = api.post("/customers/P-1/consumers", {"name": "Budi", "relation": "child"})
    assert added.status_code == (201 if writes else 403), added.content
    changed = api.patch(f"/customers/P-1/consumers/{child}", {"relation": "daughter"})
    assert changed.status_code == (200 if writes else 403)
    assert Consumer.objects.get(pk=child).relation == ("daughter" if writes else "child")
    removed = api.send("DELETE", f"/customers/P-1/consumers/{child}")
    assert removed.status_code == (204 if writes else 403)
    names = sorted(Consumer.objects.values_list("name", flat=True))
    assert names == (["Budi"] if writes else ["Ayu"])
    if writes:
        assert api.get("/customers/P-1").json()["consumers"][0]["name"] == "Budi"


def test_another_reps_customer_and_its_consumers_are_404(family):
    stranger = api_client("stranger", "sales_rep")
    child = family["child"].pk
    assert stranger.get("/customers/P-1/consumers").status_code == 404
    assert stranger.post("/customers/P-1/consumers", {"name": "X"}).status_code == 404
    assert stranger.patch(f"/customers/P-1/consumers/{child}", {"name": "X"}).status_code == 404
    assert stranger.send("DELETE", f"/customers/P-1/consumers/{child}").status_code == 404
    assert list(Consumer.objects.values_list("name", flat=True)) == ["Ayu"]


def test_a_consumer_is_reached_only_through_its_own_customer(family):
    api = _client("manager", family)
    customer_make("Other", external_id="O-1")
    child = family["child"].pk
    assert api.patch(f"/customers/O-1/consumers/{child}", {"name": "X"}).status_code == 404
    assert api.send("DELETE", f"/customers/O-1/consumers/{child}").status_code == 404
    assert api.send("DELETE", "/customers/P-1/consumers/999999").status_code == 404
    assert api.send("DELETE", "/customers/P-1/consumers/0").status_code == 422
    assert Consumer.objects.filter(pk=child).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": 7}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": "Ok", "relation": "r" * 65}, "relation"),
        ({"name": "Ok", "age": 3}, "age"),
    ],
)
def test_bad_consumers_are_a_clear_422_and_nothing_is_written(family, body, field):
    response = _client("manager", family).post("/customers/P-1/consumers", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert Consumer.objects.count() == 1


def test_a_blank_name_is_refused_by_the_action(family):
    api = _client("manager", family)
    response = api.patch(f"/customers/P-1/consumers/{family['child'].pk}", {"name": "   "})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "name"
    assert Consumer.objects.get().name == "Ayu"


def test_customers_are_merged_not_deleted(family):
    response = _client("manager", family).send("DELETE", "/customers/P-1")
    assert response.status_code == 405
    assert Customer.objects.filter(external_id="P-1").exists()


@pytest.mark.parametrize("role", ROLES)
def test_segments_are_changed_and_deleted_as_on_the_segment_page(db, role):
    segment = segment_create(name="Retained", query="stage=retention")
    api = api_client(f"u-{role}", role, is_superuser=role in ("admin", "manager"))
    edits = role in ("admin", "manager", "marketer")
    hidden = role == "support_agent"
    changed = api.patch(f"/segments/{segment.pk}", {"name": "Kept"})
    assert changed.status_code == (200 if edits else 403), changed.content
    removed = api.send("DELETE", f"/segments/{segment.pk}")
    assert removed.status_code == (204 if edits else 403)
    assert Segment.objects.exists() == (not edits)
    if edits:
        assert api.send("DELETE", f"/segments/{segment.pk}").status_code == 404
    elif not hidden:
        assert Segment.objects.get().name == "Retained"


def test_a_segment_a_campaign_aims_at_is_kept(db):
    segment = segment_create(name="Retained", query="stage=retention")
    campaign_create(name="Back", segment=segment, offer="newsletter")
    api = api_client("boss", "manager", is_superuser=True)
    refused = api.send("DELETE", f"/segments/{segment.pk}")
    assert refused.status_code == 409 and "in use" in refused.json()["detail"]
    assert Segment.objects.filter(pk=segment.pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"query": "stage=nowhere"}, "query"), ({"size": 3}, "size")],
)
def test_bad_segment_changes_write_nothing(db, body, field):
    segment = segment_create(name="Retained", query="stage=retention")
    response = api_client("boss", "manager", is_superuser=True).patch(
        f"/segments/{segment.pk}", body
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert (Segment.objects.get().name, Segment.objects.get().query) == (
        "Retained",
        "stage=retention",
    )
