"""`daur score --distributed` on the real PostgreSQL: customer by customer the same scores as the
in-process run (on the demo, and on bases shaped like real ones: refunds, a whale, referrals and
markets across ranges, one buyer), a range retried writes nothing twice, and a run that cannot
finish keeps the previous scores and says why."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from daur.customers.models import Customer
from daur.demo.load import demo_load
from daur.insights import distributed
from daur.insights.distributed import (
    DistributedScoringError,
    range_work,
    scores_compute_distributed,
)
from daur.insights.models import (
    CustomerScore,
    ScoreChange,
    ScoringRange,
    ScoringRangeColumn,
    ScoringRun,
    ScoringState,
    StageChange,
)
from daur.insights.services import SCORE_COLUMNS, scores_compute
from daur.sales.models import Order


def score_ranges_dispatch(phase: int, ranges: list[tuple]) -> None:
    """The ranges run here, one after the other (the Celery task runs the same `range_work`;
    tests/ops/test_distributed_workers.py runs it on real workers). Running the task eagerly
    here, its retries included, would leave Celery's state to the tests after these."""
    for args in ranges:
        range_work(*args)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]

COMPARED = [c for c in SCORE_COLUMNS if c not in ("customer_id", "run_id", "scored_at", "realtime")]


def stored_scores() -> dict[int, dict]:
    return {
        row["customer_id"]: row for row in CustomerScore.objects.values("customer_id", *COMPARED)
    }


def assert_same_scores(before: dict[int, dict], after: dict[int, dict]) -> None:
    assert before.keys() == after.keys()
    for pk, row in before.items():
        other = after[pk]
        for column in COMPARED:
            a, b = row[column], other[column]
            if isinstance(a, float) and b is not None:
                assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (pk, column, a, b)
            else:
                assert a == b, (pk, column, a, b)


def in_process_then_distributed(range_size: int) -> tuple[ScoringRun, ScoringRun, dict, dict]:
    whole = scores_compute()
    before = stored_scores()
    parts = scores_compute_distributed(dispatch=score_ranges_dispatch, range_size=range_size)
    return whole, parts, before, stored_scores()


def test_the_demo_scored_in_ranges_equals_the_in_process_run():
    demo_load(customers=600, seed=11)
    whole, parts, before, after = in_process_then_distributed(range_size=47)
    assert parts.status == ScoringRun.Status.SCORED
    assert parts.ranges_total == parts.ranges_done == math.ceil(Customer.objects.count() / 47)
    assert_same_scores(before, after)
    assert parts.as_of == whole.as_of
    assert (parts.n_customers, parts.n_buyers) == (whole.n_customers, whole.n_buyers)
    assert parts.events_after_as_of == whole.events_after_as_of
    assert parts.fits["purchase_model"] == whole.fits["purchase_model"]
    assert parts.fits["selection"] == whole.fits["selection"]
    model = whole.fits["purchase_model"]
    assert parts.fits[model]["params"] == whole.fits[model]["params"]
    for name in (model, "ggamma"):
        timed = ("seconds",)
        assert {k: v for k, v in parts.fits[name].items() if k not in timed} == {
            k: v for k, v in whole.fits[name].items() if k not in timed
        }
    assert parts.cuts == whole.cuts
    # It stores no state for an incremental run: it drops the stored one and the changes seen.
    assert not ScoringState.objects.exists() and not ScoreChange.objects.exists()
    # Nothing moved between the two runs: no stage change recorded by the second.
    assert not StageChange.objects.filter(run=parts).exists()
    # The payloads are dropped once the run is stored; the copy table is gone.
    assert not ScoringRange.objects.filter(run=parts).exclude(summary="").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('insights_customerscore_shadow')")
        assert cursor.fetchone()[0] is None


def _customer(external_id: str, **fields) -> Customer:
    return Customer.objects.create(external_id=external_id, name=external_id, **fields)


def _order(customer: Customer, n: int, day: datetime, amount: float) -> None:
    Order.objects.create(
        external_id=f"{customer.external_id}-{n}",
        customer=customer,
        ordered_at=day,
        amount=amount,
        currency="IDR",
    )


def test_a_base_shaped_like_a_real_one_scored_in_ranges_equals_the_in_process_run():
    """Repeated identical amounts, refunds, a whale with a thousand orders, first purchases on
    the last day, referrals and first buyers of a market that fall in other ranges."""
    start = datetime(2024, 1, 1, 10, tzinfo=UTC)
    referrer = _customer("REF", country="ID", city="Bandung")
    whale = _customer("WHALE", country="ID", city="Medan", industry="retail")
    for n in range(1000):
        _order(whale, n, start + timedelta(days=n % 700, hours=n % 5), 125_000.0)
    for i in range(160):
        c = _customer(
            f"C{i:03d}",
            country="ID",
            city=("Bandung", "Medan", "Surabaya")[i % 3],
            industry=("retail", "food", "")[i % 3],
            referred_by=referrer if i % 7 == 0 else None,
        )
        for n in range(i % 6 + 1):
            _order(c, n, start + timedelta(days=(i * 13 + n * 61) % 700), 50_000.0 * (1 + i % 4))
        if i % 11 == 0:
            _order(c, 99, start + timedelta(days=650), -50_000.0)  # a refund
    _order(referrer, 0, start + timedelta(days=5), 75_000.0)
    late = _customer("LATE", country="ID", city="Medan")
    _order(late, 0, start + timedelta(days=699), 90_000.0)  # first purchase on the last day
    _customer("PROSPECT")
    whole, parts, before, after = in_process_then_distributed(range_size=17)
    assert parts.ranges_total > 5
    assert_same_scores(before, after)
    assert parts.cuts == whole.cuts
    assert (parts.n_customers, parts.n_buyers) == (whole.n_customers, whole.n_buyers)


def test_each_range_is_read_once_and_scored_from_what_its_first_phase_kept(monkeypatch):
    demo_load(customers=150, seed=5)
    whole = scores_compute()
    before = stored_scores()
    reads: list[tuple[int, int]] = []
    kept_between_phases: list[int] = []
    real_read = distributed.base_records

    def counted(*, id_range):
        reads.append(id_range)
        return real_read(id_range=id_range)

    def watching(phase, ranges):
        if phase == 3:
            kept_between_phases.append(ScoringRangeColumn.objects.count())
        score_ranges_dispatch(phase, ranges)

    monkeypatch.setattr(distributed, "base_records", counted)
    parts = scores_compute_distributed(dispatch=watching, range_size=40)
    assert parts.ranges_total >= 4
    assert sorted(reads) == sorted(set(reads)) and len(reads) == parts.ranges_total
    assert kept_between_phases[0] > 0
    assert ScoringRangeColumn.objects.count() == 0  # dropped when the run ends
    assert_same_scores(before, stored_scores())
    assert parts.cuts == whole.cuts


def test_a_range_whose_kept_features_are_gone_is_read_again_with_the_same_scores():
    demo_load(customers=150, seed=5)
    scores_compute()
    before = stored_scores()

    def losing(phase, ranges):
        if phase == 3:  # e.g. a run resumed by a version that keeps other columns
            ScoringRangeColumn.objects.filter(range__number=1).delete()
        score_ranges_dispatch(phase, ranges)

    scores_compute_distributed(dispatch=losing, range_size=40)
    assert_same_scores(before, stored_scores())


def test_one_buyer_scored_in_ranges_is_left_to_the_rules_as_in_process():
    buyer = _customer("ONE")
    _order(buyer, 0, datetime(2025, 5, 1, tzinfo=UTC), 10.0)
    for i in range(5):
        _customer(f"P{i}")
    whole, parts, before, after = in_process_then_distributed(range_size=2)
    assert parts.rules_only and whole.rules_only
    assert_same_scores(before, after)


def test_a_retried_range_writes_nothing_twice(monkeypatch):
    demo_load(customers=150, seed=5)
    calls: list[tuple] = []

    def twice(phase, ranges):
        score_ranges_dispatch(phase, ranges)
        if phase == 3:  # the first range delivered again after it finished, and redone
            calls.append(ranges[0])
            ScoringRange.objects.filter(run_id=ranges[0][0], number=0).update(phase=2)
            score_ranges_dispatch(phase, ranges[:1])

    run = scores_compute_distributed(dispatch=twice, range_size=40)
    assert calls
    assert CustomerScore.objects.count() == Customer.objects.count()
    assert CustomerScore.objects.filter(run=run).count() == Customer.objects.count()
    # No previous scores: every customer's stage is new, recorded once however often its range ran.
    assert StageChange.objects.filter(run=run).count() == Customer.objects.count()


def test_a_run_that_cannot_finish_keeps_the_previous_scores(monkeypatch):
    demo_load(customers=150, seed=5)
    first = scores_compute()
    before = stored_scores()
    real = distributed._range_phase

    def broken(part, phase, *args):
        if phase == 3 and part.number == 1:
            raise RuntimeError("disk full")
        return real(part, phase, *args)

    monkeypatch.setattr(distributed, "_range_phase", broken)
    with pytest.raises(Exception, match="disk full"):
        scores_compute_distributed(dispatch=score_ranges_dispatch, range_size=40)
    failed = ScoringRun.objects.exclude(pk=first.pk).get()
    assert failed.status == ScoringRun.Status.FAILED
    assert "disk full" in failed.message and "previous run" in failed.message
    assert stored_scores() == before
    assert set(CustomerScore.objects.values_list("run_id", flat=True)) == {first.pk}
    assert not StageChange.objects.filter(run=failed).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('insights_customerscore_shadow')")
        assert cursor.fetchone()[0] is None


def test_ranges_without_workers_fail_the_run_with_a_reason():
    demo_load(customers=60, seed=5)
    with pytest.raises(DistributedScoringError, match="workers running"):
        scores_compute_distributed(dispatch=lambda phase, ranges: None, timeout=1)
    assert ScoringRun.objects.get().status == ScoringRun.Status.FAILED


def test_a_second_run_is_refused_while_one_is_under_way():
    ScoringRun.objects.create()  # running, in this very process
    with pytest.raises(DistributedScoringError, match="under way"):
        scores_compute_distributed(dispatch=score_ranges_dispatch)
