"""Moving a lead between stages: the history, the lost reason, two movers at once."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from daur.actions.leads import LeadStageConflict, lead_stage_change
from daur.leads.models import Lead, LeadStageChange
from daur.leads.selectors import lead_stage_history
from tests.leads.factories import lead_make
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db


def test_a_move_is_recorded_with_its_time_and_mover():
    rep = user_make("r1")
    lead = lead_make(owner=rep)
    change = lead_stage_change(lead=lead, to_stage="contacted", expected_stage="new", user=rep)
    lead_stage_change(lead=lead, to_stage="qualified", expected_stage="contacted", user=rep)

    lead.refresh_from_db()
    assert lead.stage == "qualified"
    assert change.user == rep and change.changed_at is not None
    stays = lead_stage_history(lead)
    assert [s.stage for s in stays] == ["new", "contacted", "qualified"]
    assert stays[-1].left_at is None and stays[0].left_at == change.changed_at


def test_lost_without_a_reason_is_refused_and_nothing_is_written():
    lead = lead_make(stage="proposal")
    with pytest.raises(ValidationError):
        lead_stage_change(lead=lead, to_stage="lost", expected_stage="proposal", user=None)
    with pytest.raises(ValidationError):
        lead_stage_change(
            lead=lead, to_stage="lost", expected_stage="proposal", user=None, lost_reason="bogus"
        )
    assert Lead.objects.get(pk=lead.pk).stage == "proposal"
    assert not LeadStageChange.objects.exists()


def test_lost_keeps_its_reason_and_reopening_clears_it():
    lead = lead_make(stage="proposal")
    lead_stage_change(
        lead=lead, to_stage="lost", expected_stage="proposal", user=None, lost_reason="price"
    )
    assert Lead.objects.get(pk=lead.pk).lost_reason == "price"
    lead_stage_change(lead=lead, to_stage="qualified", expected_stage="lost", user=None)
    assert Lead.objects.get(pk=lead.pk).lost_reason == ""


def test_of_two_moves_from_the_same_stage_one_wins_and_the_other_is_told():
    lead = lead_make(stage="contacted")
    seen_by_first, seen_by_second = Lead.objects.get(pk=lead.pk), Lead.objects.get(pk=lead.pk)
    lead_stage_change(
        lead=seen_by_first, to_stage="qualified", expected_stage="contacted", user=None
    )
    with pytest.raises(LeadStageConflict) as conflict:
        lead_stage_change(
            lead=seen_by_second, to_stage="lost", expected_stage="contacted", user=None,
            lost_reason="budget",
        )
    assert conflict.value.current_stage == "qualified"
    assert Lead.objects.get(pk=lead.pk).stage == "qualified"
    assert LeadStageChange.objects.filter(lead=lead).count() == 1


def test_a_converted_lead_stays_won(db):
    from tests.web.factories import customer_make

    lead = lead_make(stage="won", converted_customer=customer_make("Won Co"))
    with pytest.raises(ValidationError):
        lead_stage_change(lead=lead, to_stage="proposal", expected_stage="won", user=None)


def test_the_flow_counts_who_left_each_stage_forward_and_how_long_they_stayed():
    from datetime import timedelta

    from django.utils import timezone

    from daur.leads.flow import pipeline_flow

    boss = user_make("boss", role="manager")
    start = timezone.now() - timedelta(days=30)
    paths = [
        [("contacted", 2), ("qualified", 4), ("proposal", 10)],  # days after creation
        [("contacted", 4), ("lost", 5)],
        [("contacted", 6), ("qualified", 7), ("contacted", 8)],
    ]
    for path in paths:
        lead = lead_make(created_at=start)
        stage = "new"
        for to, day in path:
            lead_stage_change(
                lead=lead, to_stage=to, expected_stage=stage, user=None,
                lost_reason="price" if to == "lost" else "", now=start + timedelta(days=day),
            )
            stage = to
    flow = {f.stage: f for f in pipeline_flow(user=boss)}
    assert (flow["new"].left, flow["new"].forward, flow["new"].median_days) == (3, 3, 4)
    contacted = flow["contacted"]
    assert (contacted.left, contacted.forward) == (3, 2)  # one lost
    assert contacted.median_days == pytest.approx(1)  # 2, 1, 1 days
    assert (flow["qualified"].left, flow["qualified"].forward) == (2, 1)  # one went back
    assert flow["proposal"].left == 0 and flow["proposal"].forward_share is None
    assert pipeline_flow(user=user_make("nobody"))[0].left == 0  # a rep: their own leads only
