"""Two people at once, for real (PostgreSQL: two connections): two drags of the same card, and
two assignment batches, each counting the other's work."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from daur.actions.leads import LeadStageConflict, lead_stage_change, leads_assign
from daur.leads.models import Lead, LeadStageChange
from tests.leads.factories import lead_make
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*calls) -> list:  # noqa: ANN002
    """Run the calls in threads started together; each result, or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: PostgreSQL's")


def test_of_two_simultaneous_drags_one_moves_the_card_and_the_other_is_told(postgresql):
    lead = lead_make(stage="qualified")

    def drag(to: str, reason: str = ""):  # noqa: ANN202
        seen = Lead.objects.get(pk=lead.pk)
        return lambda: lead_stage_change(
            lead=seen, to_stage=to, expected_stage="qualified", user=None, lost_reason=reason
        )

    results = at_once(drag("proposal"), drag("lost", "price"))
    conflicts = [r for r in results if isinstance(r, LeadStageConflict)]
    moves = [r for r in results if isinstance(r, LeadStageChange)]
    assert len(conflicts) == 1 and len(moves) == 1, results
    assert Lead.objects.get(pk=lead.pk).stage == moves[0].to_stage
    assert conflicts[0].current_stage == moves[0].to_stage
    assert LeadStageChange.objects.count() == 1


def test_two_simultaneous_batches_each_count_the_others_leads(postgresql):
    """rep0 starts with nothing, the others with one big lead each: one batch alone rightly goes
    to rep0; the second, planned after the first committed, must not (it would, had both read
    the loads before either wrote)."""
    reps = [user_make(f"rep{i}") for i in range(3)]
    for rep in reps[1:]:
        lead_make(owner=rep, expected_value=5_000_000, stage="proposal")
    first = [lead_make(expected_value=1_000_000).pk for _ in range(5)]
    second = [lead_make(expected_value=1_000_000).pk for _ in range(5)]
    results = at_once(
        lambda: leads_assign(lead_ids=first, mode="value"),
        lambda: leads_assign(lead_ids=second, mode="value"),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    new = Counter(Lead.objects.filter(pk__in=first + second).values_list("owner__username", flat=True))
    assert new["rep0"] < 10 and new["rep1"] > 0 and new["rep2"] > 0, new
