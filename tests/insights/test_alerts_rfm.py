"""RFM segment alerts with each window's starting membership, on a steady life cycle.

Two customers start every day. Each buys on days 0, 20, 40 and 60 of its life, comes back once on
day 200 and is never seen again. With the cut-offs below (R: 30/60/90/180 days since the last
order; F: 1-5 orders), a customer 151-199 days into its life is "At Risk" (R 2, F 4) and comes
back on day 200; after day 290 it is "Can't Lose Them" (R <= 2, F 5) and buys nothing more. The
business is steady: every segment does, month after month, what it always did.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from scipy import stats

from daur.analytics.rfm import SEGMENTS
from daur.customers.models import Customer
from daur.insights.alerts import alerts_detect
from daur.insights.alerts_history import order_history
from daur.insights.models import ScoringRun
from daur.sales.models import Order

from .factories import moment

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)
LIFE_DAYS = (0, 20, 40, 60, 200)
CUTS = {
    "rfm": {
        "r": [-100_000.0, -180.0, -90.0, -60.0, -30.0],  # -(days since the last order)
        "f": [1.0, 2.0, 3.0, 4.0, 5.0],
        "m": [0.0, 200.0, 300.0, 400.0, 500.0],
    }
}


def plant(*, comebacks_stop: bool) -> None:
    """The steady life cycle; with `comebacks_stop`, nobody comes back in the last 30 days."""
    customers = [
        Customer(
            external_id=f"S{start}-{twin}",
            name=f"S{start}-{twin}",
            created_at=moment((AS_OF - timedelta(days=start)).isoformat()),
        )
        for start in range(1000)
        for twin in "ab"
    ]
    Customer.objects.bulk_create(customers)
    orders = []
    for who in Customer.objects.all():
        started = AS_OF - timedelta(days=int(who.external_id[1:].split("-")[0]))
        for age in LIFE_DAYS:
            day = started + timedelta(days=age)
            if day > AS_OF or (comebacks_stop and age == 200 and day > AS_OF - timedelta(30)):
                continue
            orders.append(
                Order(
                    external_id=f"{who.external_id}/{age}",
                    customer=who,
                    ordered_at=moment(day.isoformat()),
                    amount=Decimal("100"),
                    currency="IDR",
                )
            )
    Order.objects.bulk_create(orders)


def run() -> ScoringRun:
    return ScoringRun.objects.create(as_of=AS_OF, status=ScoringRun.Status.SUCCEEDED, cuts=CUTS)


def rfm(alerts) -> dict[tuple[str, str, int], object]:
    return {
        (a.segment, a.metric, a.window_days): a for a in alerts if a.segment_kind == "rfm_segment"
    }


def test_a_steady_life_cycle_raises_nothing():
    plant(comebacks_stop=False)
    assert alerts_detect(run=run()) == []


def test_the_customers_that_stopped_coming_back_raise_an_alert_and_the_lapsed_do_not():
    plant(comebacks_stop=True)

    alerts = rfm(alerts_detect(run=run()))

    # At Risk on 31 May (days 151-199 of their life, 2 a day): 98; on day 200 they came back,
    # 60 of them in the next 30 days at every earlier month, none this time. (Each member bought
    # 4 times in its year before, so a window is 60 / (98 x 4 x 30 / 365) of the year, at every
    # anchor as today.)
    at_risk = alerts[("At Risk", "orders", 30)]
    assert (at_risk.customer_count, at_risk.observed) == (98, 0.0)
    assert at_risk.expected == pytest.approx(60.0)
    assert at_risk.change == -1.0
    assert at_risk.p_value == pytest.approx(stats.poisson.cdf(0, 60.0))
    assert len(at_risk.customers) == 98  # each bought 4 times in the year before, none since
    assert alerts[("At Risk", "spend", 30)].expected == pytest.approx(6000.0)
    # Over 90 days, the Loyal Customers of 1 April (days 91-150) came back on days 50-109 after
    # it: 82 of them within the 90 days at every earlier anchor, 22 this time.
    loyal = alerts[("Loyal Customers", "orders", 90)]
    assert (loyal.expected, loyal.observed) == (pytest.approx(82.0), 22.0)
    assert set(alerts) == {
        ("At Risk", "orders", 30),
        ("At Risk", "spend", 30),
        ("Loyal Customers", "orders", 90),
        ("Loyal Customers", "spend", 90),
    }


def test_a_segment_defined_by_recency_is_compared_with_its_own_past_not_with_its_members_past():
    """Can't Lose Them never buy again: their year before held orders, their windows none."""
    plant(comebacks_stop=False)
    history = order_history(AS_OF)
    start = AS_OF.toordinal() - 29
    code = history.segments(start - 1, CUTS["rfm"])
    members = code == SEGMENTS.index("Can't Lose Them")
    window, _ = history.bought(start, 30)
    baseline, _ = history.bought(start - 365, 365)
    # A baseline of the members' own year before would expect orders this window…
    assert window[members].sum() == 0 and baseline[members].sum() * 30 / 365 > 20
    # …but the segment always buys nothing in the 30 days after it is defined: no alert.
    assert not any(a.segment == "Can't Lose Them" for a in alerts_detect(run=run()))


def test_segments_as_of_the_run_day_are_the_run_s(scored_business):
    """From the order history and the run's cut-offs, the segment as of the run's day is the one
    scoring stored for every buyer (the same counting, the same edges)."""
    run = scored_business
    history = order_history(run.as_of)
    code = history.segments(run.as_of.toordinal(), run.cuts["rfm"])
    stored = dict(
        Customer.objects.filter(score__rfm_segment__gt="").values_list("pk", "score__rfm_segment")
    )
    computed = {
        int(pk): SEGMENTS[c] for pk, c in zip(history.customer_pks, code, strict=True) if c >= 0
    }
    assert len(stored) > 100
    assert computed == stored
    assert np.all(code >= 0)
