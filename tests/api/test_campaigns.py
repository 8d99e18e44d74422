"""Campaigns by API: the list and one campaign, a draft created, changed and deleted, the launch
and the read-out, each with the campaign pages' role rules; bad input a clear 4xx with nothing
written."""

from __future__ import annotations

import pytest

from daur.actions.campaigns import campaign_create
from daur.actions.segments import segment_create
from daur.campaigns.models import Campaign, CampaignMember
from daur.engagement.mail_models import OutboundEmail
from tests.api.conftest import api_client
from tests.web.factories import customer_make, run_make, score_make

pytestmark = pytest.mark.django_db
ROLES = ("admin", "manager", "sales_rep", "marketer", "support_agent")


@pytest.fixture
def segment(db):
    run = run_make()
    rep = api_client("owner", "sales_rep")
    for n in range(12):
        customer = customer_make(
            f"Kept {n}", email=f"k{n}@example.com", owner=rep.user if n < 4 else None
        )
        score_make(customer, stage="retention", run=run)
    return segment_create(name="Retained", query="stage=retention")


def _client(role: str):  # noqa: ANN202
    return api_client(f"u-{role}", role, is_superuser=role in ("admin", "manager"))


def _draft(api, segment, **fields):  # noqa: ANN001, ANN202
    body = {
        "name": "Come back",
        "segment_id": segment.pk,
        "offer": "coupon",
        "discount_percent": 10,
        "holdout": 0.25,
        **fields,
    }
    return api.post("/campaigns", body)


@pytest.mark.parametrize("role", ROLES)
def test_who_manages_campaigns_is_who_does_on_the_pages(segment, role):
    api = _client(role)
    manages = role in ("admin", "manager", "marketer")
    created = _draft(api, segment)
    assert created.status_code == (201 if manages else 403), created.content
    if not manages:
        assert not Campaign.objects.exists()
        created = _draft(_client("manager") if role != "manager" else api, segment)
    key = created.json()["campaign_id"]
    assert api.get(f"/campaigns/{key}").status_code == 200  # every role reads
    assert api.get("/campaigns").json()["data"][0]["campaign_id"] == key
    assert api.patch(f"/campaigns/{key}", {"name": "Again"}).status_code == (
        200 if manages else 403
    )
    launched = api.post(f"/campaigns/{key}/launch", {"seed": "s1"})
    assert launched.status_code == (200 if manages else 403), launched.content
    assert CampaignMember.objects.exists() == manages
    assert api.send("DELETE", f"/campaigns/{key}").status_code == (409 if manages else 403)
    assert Campaign.objects.filter(external_id=key).exists()


def test_create_change_launch_and_report(segment):
    api = _client("marketer")
    created = _draft(api, segment, texts={"en": {"subject": "Hi", "body": "A gift"}})
    assert created.status_code == 201, created.content
    out = created.json()
    assert (out["status"], out["holdout"], out["members"]) == ("draft", 0.25, 0)
    assert out["texts"]["en"] == {"subject": "Hi", "body": "A gift"}
    key = out["campaign_id"]
    assert api.get(f"/campaigns/{key}/report").status_code == 409  # not launched: nothing yet

    changed = api.patch(f"/campaigns/{key}", {"holdout": 0.5, "texts": {"id": {"subject": "Hai"}}})
    assert changed.status_code == 200, changed.content
    assert changed.json()["holdout"] == 0.5
    assert changed.json()["texts"]["en"]["subject"] == "Hi"  # the other languages stay
    assert changed.json()["texts"]["id"]["subject"] == "Hai"

    launched = api.post(f"/campaigns/{key}/launch", {"seed": "fixed"})
    assert launched.status_code == 200, launched.content
    body = launched.json()
    assert body["treated"] + body["holdout"] == 12 == body["campaign"]["members"]
    assert body["coupons"] == body["treated"] > 0
    assert OutboundEmail.objects.count() == body["emails_queued"] == body["treated"]
    assert api.post(f"/campaigns/{key}/launch", {}).status_code == 409  # once
    assert CampaignMember.objects.count() == 12

    report = api.get(f"/campaigns/{key}/report")
    assert report.status_code == 200, report.content
    assert report.json()["campaign_id"] == key and report.json()["own_customers_only"] is False
    rep = Campaign.objects.get(external_id=key)
    rep_report = api_client("owner2", "sales_rep").get(f"/campaigns/{rep.external_id}/report")
    assert rep_report.json()["own_customers_only"] is True

    after = api.patch(f"/campaigns/{key}", {"name": "Later"})
    assert after.status_code == 409
    assert Campaign.objects.get(external_id=key).name == "Come back"


def test_a_draft_is_deleted_and_then_gone(segment):
    api = _client("manager")
    key = _draft(api, segment).json()["campaign_id"]
    assert api.send("DELETE", f"/campaigns/{key}").status_code == 204
    assert not Campaign.objects.exists()
    assert api.send("DELETE", f"/campaigns/{key}").status_code == 404
    assert api.get(f"/campaigns/{key}").status_code == 404


def test_the_list_filters_by_status(segment):
    api = _client("manager")
    first = _draft(api, segment).json()["campaign_id"]
    second = _draft(api, segment, name="Second").json()["campaign_id"]
    api.post(f"/campaigns/{second}/launch", {})
    drafts = api.get("/campaigns", {"status": "draft"}).json()["data"]
    launched = api.get("/campaigns", {"status": "launched"}).json()["data"]
    assert [c["campaign_id"] for c in drafts] == [first]
    assert [c["campaign_id"] for c in launched] == [second]
    assert api.get("/campaigns", {"status": "gone"}).status_code == 422
    page = api.get("/campaigns", {"limit": 1}).json()
    assert page["has_more"] and len(page["data"]) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"holdout": 1}, "holdout"),
        ({"holdout": "lots"}, "holdout"),
        ({"discount_percent": None}, "discount_percent"),
        ({"window_days": 0}, "window_days"),
        ({"cost": -1}, "cost"),
        ({"cost": "1e999999999"}, "cost"),
        ({"discount_percent": "NaN"}, "discount_percent"),
        ({"expires": "2026-02-30"}, "expires"),
        ({"window_days": 10**40}, "window_days"),
        ({"channel": "pigeon"}, "channel"),
        ({"offer": "bribe"}, "offer"),
        ({"name": "  "}, "name"),
        ({"name": "x\x00y"}, "name"),
        ({"segment_id": 999999}, "segment_id"),
        ({"segment_id": "one"}, "segment_id"),
        ({"event_id": 5}, "event_id"),
        ({"texts": {"fr": {"subject": "Salut"}}}, "texts.fr"),
        ({"texts": {"en": {"subject": "a\nb"}}}, "texts.en.subject"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_clear_422_naming_the_field_and_nothing_is_written(segment, fields, field):
    response = _draft(_client("manager"), segment, **fields)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"].startswith(field)
    assert not Campaign.objects.exists()


def test_a_bad_change_writes_nothing(segment):
    api = _client("manager")
    key = _draft(api, segment).json()["campaign_id"]
    for body in (
        {"holdout": 2},
        {"name": None},
        {"offer": "newsletter", "colour": 1},
        {"discount_percent": None},
    ):
        assert api.patch(f"/campaigns/{key}", body).status_code == 422, body
    campaign = Campaign.objects.get(external_id=key)
    assert (campaign.holdout_share, campaign.offer, str(campaign.discount_percent)) == (
        0.25,
        "coupon",
        "10.00",
    )


def test_unknown_and_hostile_campaign_ids_are_404(segment):
    api = _client("manager")
    for key in ("NOPE", "C1%00", "%F0%9F%92%A9" * 20):
        assert api.get(f"/campaigns/{key}").status_code == 404
        assert api.post(f"/campaigns/{key}/launch", {}).status_code == 404


def test_a_campaign_made_on_the_page_with_a_long_body_reads(segment):
    long_body = "Line\n" * 5000  # the page's form has no length limit on a body
    campaign = campaign_create(
        name="Long", segment=segment, offer="newsletter", texts={"en": ("Hi", long_body)}
    )
    response = _client("support_agent").get(f"/campaigns/{campaign.external_id}")
    assert response.status_code == 200 and response.json()["texts"]["en"]["body"] == long_body
