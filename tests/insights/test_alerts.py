"""Behaviour-change alerts on a planted drop: exactly that segment raises, with its customers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from scipy import stats

from daur.insights.alerts import alerts_detect
from daur.insights.models import Alert, ScoringRun
from daur.sales.models import Order

from .factories import customer, moment, score

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)
FIRST = AS_OF - timedelta(days=90 + 365 - 1)  # the 90-day window's baseline starts here
WEEK_PATTERN = (2, 2, 2, 1, 1, 1, 1)  # 10 orders a week


def plant(city: str, *, drop: bool) -> tuple[list[str], list[date]]:
    """Ten customers of one market ordering 10 a week; with `drop`, 1 order in the last 30 days."""
    members = [customer(f"{city}-{i}", country="Indonesia", city=city) for i in range(10)]
    days, orders, turn = [], [], 0
    day = FIRST
    while day <= AS_OF:
        recent = (AS_OF - day).days < 30
        n = WEEK_PATTERN[(day - FIRST).days % 7]
        if drop and recent:
            n = 1 if day == AS_OF - timedelta(days=10) else 0
        for _ in range(n):
            who = members[turn % 10]
            turn += 1
            days.append(day)
            orders.append(
                Order(
                    external_id=f"{city}-{len(orders)}",
                    customer=who,
                    ordered_at=moment(day.isoformat()),
                    amount=Decimal("100"),
                    currency="IDR",
                )
            )
        day += timedelta(days=1)
    Order.objects.bulk_create(orders)
    return [m.external_id for m in members], days


def run() -> ScoringRun:
    return ScoringRun.objects.create(as_of=AS_OF, status=ScoringRun.Status.SUCCEEDED)


def test_a_planted_drop_raises_exactly_that_alert_with_its_customers():
    dropped, days = plant("Bandung", drop=True)
    plant("Medan", drop=False)

    alerts = alerts_detect(run=run())

    assert {(a.segment_kind, a.segment) for a in alerts} == {("market", "Bandung, Indonesia")}
    by_key = {(a.metric, a.window_days): a for a in alerts}
    assert set(by_key) >= {("orders", 30), ("spend", 30), ("orders", 90)}
    orders_30 = by_key[("orders", 30)]
    # Counted by hand: the baseline is the 365 days before the last 30
    window_start = AS_OF - timedelta(days=29)
    baseline = sum(window_start - timedelta(days=365) <= d < window_start for d in days)
    expected = baseline * 30 / 365
    assert orders_30.observed == 1
    assert orders_30.expected == pytest.approx(expected)
    assert orders_30.change == pytest.approx(1 / expected - 1)
    assert orders_30.p_value == pytest.approx(stats.poisson.cdf(1, expected))
    assert orders_30.customer_count == 10
    # Everyone in Bandung ordered less than before; one still ordered once
    assert sorted(orders_30.customers) == sorted(dropped)
    assert by_key[("spend", 30)].observed == pytest.approx(100.0)
    assert all(a.status == Alert.Status.OPEN and a.as_of == AS_OF for a in alerts)


def test_a_steady_business_raises_nothing_and_a_new_run_closes_old_alerts():
    plant("Medan", drop=False)
    stale = Alert.objects.create(
        as_of=AS_OF - timedelta(days=1),
        segment_kind="market",
        segment="Medan, Indonesia",
        metric="orders",
        window_days=30,
        expected=10,
        observed=1,
        change=-0.9,
        p_value=0.001,
        customer_count=10,
    )
    assert alerts_detect(run=run()) == []
    stale.refresh_from_db()
    assert stale.status == Alert.Status.CLOSED


def test_customer_types_of_the_scores_are_tested():
    dropped, _ = plant("Bandung", drop=True)
    for i, external_id in enumerate(dropped):
        who = Order.objects.filter(customer__external_id=external_id).first().customer
        # Half are loyal (bit 0); RFM segments are tested from the order history (test_alerts_rfm)
        if i % 2 == 0:
            score(who, rfm_segment="Champions", types="loyal", type_bits=1)
        else:
            score(who, rfm_segment="At Risk")

    alerts = alerts_detect(run=run())

    kinds = {(a.segment_kind, a.segment) for a in alerts}
    assert ("type", "loyal") in kinds
    # The run stored no RFM cut-offs: no RFM segment is tested
    assert not any(kind == "rfm_segment" for kind, _ in kinds)
    loyal = next(a for a in alerts if a.segment == "loyal" and a.metric == "orders")
    assert loyal.customer_count == 5
    assert set(loyal.customers) == set(dropped[0::2])


def test_thresholds_come_from_the_settings(settings):
    plant("Bandung", drop=True)
    settings.DAUR_ALERT_MIN_DROP = 1.0  # only a fall to nothing would do
    alerts = alerts_detect(run=run())
    assert alerts == []
