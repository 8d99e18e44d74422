"""Leads and their workflows through the API (stage change, conversion, activities), segments,
lead scores, KPIs and alerts, each with the pages' role rules."""

from __future__ import annotations

import pytest

from daur.campaigns.models import Segment
from daur.engagement.models import Interaction
from daur.insights.models import Alert, LeadScore
from daur.leads.models import Lead, LeadStageChange
from tests.leads.factories import lead_make
from tests.web.factories import customer_make, run_make

pytestmark = pytest.mark.django_db


def test_a_rep_sees_and_works_own_leads_only(rep_api, other_rep_api):
    mine = lead_make("Mine", owner=rep_api.user)
    theirs = lead_make("Theirs", owner=other_rep_api.user)
    assert [x["lead_id"] for x in rep_api.get("/leads").json()["data"]] == [mine.external_id]
    for path in (f"/leads/{theirs.external_id}", f"/leads/{theirs.external_id}/activities"):
        assert rep_api.get(path).status_code == 404
    move = {"to_stage": "contacted", "expected_stage": "new"}
    assert rep_api.post(f"/leads/{theirs.external_id}/stage", move).status_code == 404
    assert rep_api.post(f"/leads/{mine.external_id}/stage", move).status_code == 200
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (mine.stage, theirs.stage) == ("contacted", "new")


def test_a_stage_change_checks_the_stage_seen_and_the_lost_reason(manager_api):
    lead = lead_make("Lead", stage="qualified")
    path = f"/leads/{lead.external_id}/stage"
    stale = manager_api.post(path, {"to_stage": "won", "expected_stage": "new"})
    assert stale.status_code == 409
    no_reason = manager_api.post(path, {"to_stage": "lost", "expected_stage": "qualified"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "lost_reason"
    unknown = manager_api.post(path, {"to_stage": "done", "expected_stage": "qualified"})
    assert unknown.status_code == 422
    assert not LeadStageChange.objects.exists()
    lost = manager_api.post(
        path, {"to_stage": "lost", "expected_stage": "qualified", "lost_reason": "price"}
    )
    assert lost.status_code == 200 and lost.json()["stage"] == "lost"


def test_a_won_lead_converts_once_into_a_customer(manager_api):
    lead = lead_make("Citra", stage="won", email="citra@example.com")
    open_lead = lead_make("Dewi")
    assert manager_api.post(f"/leads/{open_lead.external_id}/convert", {}).status_code == 409
    response = manager_api.post(f"/leads/{lead.external_id}/convert", {})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] and manager_api.get(f"/customers/{body['customer_id']}").json()[
        "name"] == "Citra"
    assert manager_api.post(f"/leads/{lead.external_id}/convert", {}).status_code == 409


def test_activities_are_logged_planned_and_done(rep_api):
    lead = lead_make("Lead", owner=rep_api.user)
    path = f"/leads/{lead.external_id}/activities"
    logged = rep_api.post(path, {"kind": "call", "note": "Spoke to them"})
    assert logged.status_code == 201 and logged.json()["done"]
    planned = rep_api.post(path, {"kind": "task", "due_at": "2099-01-01T09:00:00Z"})
    assert planned.status_code == 201 and not planned.json()["done"]
    past = rep_api.post(path, {"kind": "task", "due_at": "2000-01-01T09:00:00Z"})
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "due_at"
    assert rep_api.post(path, {"kind": "dance"}).status_code == 422
    done = rep_api.post(f"{path}/{planned.json()['id']}/done", {"outcome": "sent"})
    assert done.status_code == 200 and done.json()["outcome"] == "sent"
    assert [a["kind"] for a in rep_api.get(path).json()] == ["task", "call"]
    for bad in ("99999999999999999999", "0"):
        assert rep_api.post(f"{path}/{bad}/done", {}).status_code in (404, 422)
    assert Interaction.objects.count() == 2


def test_leads_are_created_as_the_import_does_by_managers_only(manager_api, rep_api):
    body = {"lead_id": "L1", "name": "Eka", "source": "website"}
    assert rep_api.post("/leads", body).status_code == 403
    created = manager_api.post("/leads", body)
    assert created.status_code == 201 and created.json()["stage"] == "new"
    bad = manager_api.post("/leads", {"lead_id": "L2", "name": "F", "source": "carrier pigeon"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "source"
    changed = manager_api.patch("/leads/L1", {"company": "Eka Ltd"})
    assert changed.status_code == 200 and changed.json()["company"] == "Eka Ltd"
    assert Lead.objects.count() == 1


def test_segments_are_saved_and_read_with_the_role_rules(marketer_api, support_api, rep_api):
    customer_make("Ana", country="ID", owner=rep_api.user)
    customer_make("Budi", country="ID")
    made = marketer_api.post("/segments", {"name": "Indonesia", "query": "country=ID"})
    assert made.status_code == 201 and made.json()["size"] == 2
    assert marketer_api.post("/segments", {"name": "Bad", "query": "colour=red"}).status_code == 422
    segment_id = made.json()["id"]
    assert rep_api.get(f"/segments/{segment_id}").json()["size"] == 1  # the rep's own
    assert rep_api.post("/segments", {"name": "Mine", "query": ""}).status_code == 403
    assert support_api.get("/segments").status_code == 403
    assert Segment.objects.count() == 1


def test_lead_scores_follow_the_lead_rule(rep_api, other_rep_api):
    run = run_make()
    for owner, p in ((rep_api.user, 0.7), (other_rep_api.user, 0.9), (rep_api.user, 0.2)):
        lead = lead_make(owner=owner)
        LeadScore.objects.create(lead=lead, run=run, as_of=run.as_of, win_probability=p,
                                 basis="prior", scored_at=run.finished_at)
    first = rep_api.get("/lead-scores", {"limit": 1}).json()
    assert [r["win_probability"] for r in first["data"]] == [0.7]
    rest = rep_api.get("/lead-scores", {"cursor": first["next_cursor"]}).json()
    assert [r["win_probability"] for r in rest["data"]] == [0.2] and not rest["has_more"]


def test_kpis_are_for_the_roles_that_see_the_base_and_alerts_are_scoped(manager_api, rep_api):
    customer = customer_make("Ana", owner=rep_api.user)
    kpis = manager_api.get("/kpis", {"date_from": "2025-01-01", "date_to": "2025-12-31"})
    assert kpis.status_code == 200 and "retention" in kpis.json()
    assert rep_api.get("/kpis").status_code == 403
    backwards = manager_api.get("/kpis", {"date_from": "2025-12-31", "date_to": "2025-01-01"})
    assert backwards.status_code == 422
    for far in ({"date_from": "0769-06-22"}, {"date_to": "9999-12-31"}):
        assert manager_api.get("/kpis", far).status_code == 422
    run = run_make()
    common = {"run": run, "as_of": run.as_of, "segment_kind": "market", "metric": "orders",
              "expected": 10, "observed": 2, "change": -0.8, "p_value": 0.001,
              "window_days": 28, "customer_count": 40}
    Alert.objects.create(segment="ID", customers=[customer.external_id], **common)
    Alert.objects.create(segment="IT", customers=["SOMEONE"], **common)
    assert len(manager_api.get("/alerts").json()) == 2
    assert [(a["segment"], a["customers"]) for a in rep_api.get("/alerts").json()] == [("ID", 1)]
