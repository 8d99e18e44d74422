"""A lead's stored value at stake (expected value x win probability, read by /today/ from an
index) stays equal to the product after every kind of write of either factor."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from daur.actions.engagement import interaction_record
from daur.actions.leads import lead_stage_change
from daur.api.ingest import ingest
from daur.definitions.rules import rules_config
from daur.definitions.worklist import lead_at_stake
from daur.insights import lead_scores
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


def stored(record: Lead) -> tuple[float | None, float]:
    return Lead.objects.values_list("win_probability", "value_at_stake").get(pk=record.pk)


def assert_consistent() -> int:
    """Every lead's copy equals its score's, and its value at stake the product; returns how
    many leads have something at stake."""
    scores = dict(LeadScore.objects.values_list("lead_id", "win_probability"))
    rows = Lead.objects.values_list("pk", "expected_value", "win_probability", "value_at_stake")
    at_stake = 0
    for pk, value, copied, stored_value in rows:
        assert copied == scores.get(pk), pk
        assert stored_value == pytest.approx(lead_at_stake(value, scores.get(pk))), pk
        at_stake += stored_value > 0
    return at_stake


def test_a_score_saved_changed_or_deleted_is_the_lead_s_factor():
    record = lead_make(expected_value=1000)
    assert stored(record) == (None, 0.0)
    score = score_make(record, 0.25)
    assert stored(record) == (0.25, pytest.approx(250.0))
    score.win_probability = 0.5
    score.save()
    assert stored(record) == (0.5, pytest.approx(500.0))
    score.delete()
    assert stored(record) == (None, 0.0)


def test_an_expected_value_written_by_a_save_an_update_or_the_import_is_multiplied():
    record = lead_make(expected_value=1000)
    score_make(record, 0.2)
    record.refresh_from_db()
    record.expected_value = Decimal("3000")
    record.save()
    assert stored(record)[1] == pytest.approx(600.0)
    Lead.objects.filter(pk=record.pk).update(expected_value=Decimal("50"))
    assert stored(record)[1] == pytest.approx(10.0)
    # The import's plain SQL (and the API's create and change, which go through it).
    ingest(
        "leads",
        [
            {
                "lead_id": record.external_id,
                "name": record.name,
                "source": "website",
                "expected_value": "7000",
            }
        ],
    )
    assert stored(record) == (0.2, pytest.approx(1400.0))
    ingest(
        "leads",
        [
            {
                "lead_id": record.external_id,
                "name": record.name,
                "source": "website",
                "expected_value": "",
            }
        ],
    )
    assert stored(record) == (0.2, 0.0)
    assert assert_consistent() == 0


def test_a_rescore_copies_the_probability_and_a_closed_lead_leaves_the_worklist(
    django_capture_on_commit_callbacks,
):
    rep = user_make("rep-stake")
    record = lead_make("Open", owner=rep, expected_value=2000, stage="contacted")
    with django_capture_on_commit_callbacks(execute=True):
        interaction_record(kind="call", occurred_at=timezone.now(), lead=record)
    probability, value = stored(record)
    assert probability is not None and 0 < probability < 1
    assert value == pytest.approx(2000 * probability)
    items = rep_worklist(rep=rep, now=timezone.now()).leads.items
    assert [(i.pk, i.win_probability) for i in items] == [(record.pk, probability)]
    assert items[0].value_at_stake == pytest.approx(value)
    with django_capture_on_commit_callbacks(execute=True):
        lead_stage_change(
            lead=record, to_stage="lost", expected_stage="contacted", user=rep, lost_reason="price"
        )
    assert not LeadScore.objects.filter(lead=record).exists()
    assert stored(record) == (None, 0.0)
    assert rep_worklist(rep=rep, now=timezone.now()).leads.items == []


def test_a_learning_leaves_every_lead_s_value_at_stake_equal_to_the_product():
    history(np.random.default_rng(3))
    open_leads = [lead(s, "qualified", calls=c) for s, c in [("referral", 3), ("email", 0)] * 4]
    for n, record in enumerate(open_leads):
        Lead.objects.filter(pk=record.pk).update(expected_value=Decimal(1000 * (n + 1)))
    # Scored before and closed since: its copy must be cleared with its score.
    closed = lead("website", "won")
    score_make(closed, 0.9)
    assert stored(closed)[0] == 0.9
    scoring = lead_scores.lead_scores_learn(
        as_of=moment("2026-03-05").date(), rules=rules_config().leads
    )
    assert scoring.n_open == len(open_leads)
    assert stored(closed) == (None, 0.0)
    assert assert_consistent() == len(open_leads)
    # A second learning on changed values and a real-time re-score of some leads.
    Lead.objects.filter(pk=open_leads[0].pk).update(expected_value=None)
    lead_scores.leads_rescore(lead_ids=[r.pk for r in open_leads[:3]], rules=rules_config().leads)
    assert assert_consistent() == len(open_leads) - 1
