"""A lead score's stored value at stake (the lead's expected value x the win probability, with
the lead's owner: read by /today/ from an index) stays equal to the product, and the owner to
the lead's, after every kind of write of either."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from daur.actions.engagement import interaction_record
from daur.actions.leads import lead_assign, lead_create, lead_stage_change, leads_assign
from daur.api.ingest import ingest
from daur.definitions.rules import rules_config
from daur.definitions.worklist import lead_at_stake
from daur.insights import lead_scores
from daur.insights.lead_follow import lead_scores_follow
from daur.insights.models import LeadScore
from daur.insights.worklist import rep_worklist
from daur.leads.models import Lead
from tests.leads.factories import lead_make
from tests.web.factories import user_make

from .factories import moment
from .test_lead_scores import history, lead

pytestmark = pytest.mark.django_db


def score_make(record: Lead, probability: float) -> LeadScore:
    return LeadScore.objects.create(
        lead=record,
        as_of=timezone.localdate(),
        scored_at=timezone.now(),
        win_probability=probability,
        basis="prior",
    )


def stored(record: Lead) -> tuple[int | None, float]:
    return LeadScore.objects.values_list("owner_id", "value_at_stake").get(lead=record)


def assert_consistent() -> int:
    """Every score's owner and expected value are its lead's, and its value at stake the
    product; returns how many have something at stake."""
    leads = {
        pk: (owner, value)
        for pk, owner, value in Lead.objects.values_list("pk", "owner_id", "expected_value")
    }
    rows = LeadScore.objects.values_list(
        "lead_id", "owner_id", "expected_value", "win_probability", "value_at_stake"
    )
    at_stake = 0
    for pk, owner, value, probability, product in rows:
        assert (owner, value) == leads[pk], pk
        assert product == pytest.approx(lead_at_stake(leads[pk][1], probability)), pk
        at_stake += product > 0
    return at_stake


def ingest_value(record: Lead, value: str, owner: str = "") -> None:
    """The import's plain SQL (the API's create and change go through it too)."""
    row = {"lead_id": record.external_id, "name": record.name, "source": "website"}
    ingest("leads", [{**row, "expected_value": value, **({"owner": owner} if owner else {})}])


def test_a_score_takes_its_lead_s_owner_and_value_and_follows_every_kind_of_lead_write():
    rep, other, boss = user_make("rep-a"), user_make("rep-b"), user_make("boss", role="manager")
    record = lead_make(owner=rep, expected_value=1000)
    score = score_make(record, 0.25)
    assert stored(record) == (rep.pk, pytest.approx(250.0))
    score.win_probability = 0.5
    score.save()
    assert stored(record) == (rep.pk, pytest.approx(500.0))
    record.expected_value = Decimal("3000")  # a save through the ORM (forms, admin, actions)
    record.save()
    assert stored(record) == (rep.pk, pytest.approx(1500.0))
    lead_assign(lead=record, owner=other, user=boss)
    assert stored(record) == (other.pk, pytest.approx(1500.0))
    ingest_value(record, "7000", owner="rep-a")
    assert stored(record) == (rep.pk, pytest.approx(3500.0))
    ingest_value(record, "")
    assert stored(record)[1] == 0.0
    Lead.objects.filter(pk=record.pk).update(owner=None)
    assert leads_assign(lead_ids=[record.pk])  # assigned again, by the configured mode
    assert assert_consistent() == 0


def test_a_new_lead_s_first_score_and_a_closed_lead_leave_the_worklist(
    django_capture_on_commit_callbacks,
):
    rep = user_make("rep-stake")
    record = lead_create(name="Open", source="website", owner=rep, expected_value=Decimal(2000))
    record.stage = "contacted"
    record.save()
    with django_capture_on_commit_callbacks(execute=True):
        interaction_record(kind="call", occurred_at=timezone.now(), lead=record)
    score = LeadScore.objects.get(lead=record)
    assert stored(record) == (rep.pk, pytest.approx(2000 * score.win_probability))
    items = rep_worklist(rep=rep, now=timezone.now()).leads.items
    assert [(i.pk, i.win_probability) for i in items] == [(record.pk, score.win_probability)]
    assert items[0].value_at_stake == pytest.approx(2000 * score.win_probability)
    with django_capture_on_commit_callbacks(execute=True):
        lead_stage_change(
            lead=record, to_stage="lost", expected_stage="contacted", user=rep, lost_reason="price"
        )
    assert not LeadScore.objects.filter(lead=record).exists()
    assert rep_worklist(rep=rep, now=timezone.now()).leads.items == []


def test_a_learning_and_a_rescore_leave_every_score_equal_to_the_product():
    rep = user_make("rep-learn")
    history(np.random.default_rng(3))
    open_leads = [lead(s, "qualified", calls=c) for s, c in [("referral", 3), ("email", 0)] * 4]
    for n, record in enumerate(open_leads):
        Lead.objects.filter(pk=record.pk).update(expected_value=Decimal(1000 * (n + 1)), owner=rep)
    scoring = lead_scores.lead_scores_learn(
        as_of=moment("2026-03-05").date(), rules=rules_config().leads
    )
    assert scoring.n_open == len(open_leads)
    assert assert_consistent() == len(open_leads)
    shown = rep_worklist(rep=rep, now=timezone.now()).leads.items
    products = [item.value_at_stake for item in shown]
    assert len(shown) == len(open_leads) and products == sorted(products, reverse=True)
    # Changed behind the ORM's back, then followed (as an import does), then re-scored.
    Lead.objects.filter(pk=open_leads[0].pk).update(expected_value=None)
    assert lead_scores_follow() == 1
    assert lead_scores_follow() == 0  # nothing differs any more
    lead_scores.leads_rescore(lead_ids=[r.pk for r in open_leads[:3]], rules=rules_config().leads)
    assert assert_consistent() == len(open_leads) - 1
