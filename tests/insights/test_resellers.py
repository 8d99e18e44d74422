"""Resellers ranked by revenue in a period against the one before: a hand-made business."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from daur.insights.period import Period, day_start
from daur.insights.resellers import reseller_ranking, trend_months
from daur.sales.models import Order
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db
PERIOD = Period(date(2026, 4, 1), date(2026, 6, 29))  # 90 days; the previous: Jan 1 - Mar 31
RATE = 17_000.0


@pytest.fixture(autouse=True)
def _rates(settings):
    settings.DAUR_DEFAULT_CURRENCY = "IDR"
    settings.DAUR_EXCHANGE_RATES = {"EUR": RATE}


_n = iter(range(10**6))


def _order(reseller, customer, on: date, amount: str, currency: str = "IDR", hour: int = 10):
    return Order.objects.create(
        external_id=f"T{next(_n)}", customer=customer, reseller=reseller,
        ordered_at=day_start(on) + timedelta(hours=hour), amount=Decimal(amount),
        currency=currency,
    )


@pytest.fixture
def business():
    boss = user_make("boss-r", role="manager")
    a, b, c, d = (customer_make(n, relationship="intermediary") for n in ("Alfa", "Bravo",
                                                                           "Charlie", "Delta"))
    x, y = customer_make("X"), customer_make("Y")
    _order(a, x, date(2026, 4, 2), "1000")
    _order(a, y, date(2026, 5, 20), "10", "EUR")
    _order(a, x, date(2026, 6, 29), "-500", hour=23)  # a refund, on the period's last day
    _order(a, x, date(2026, 2, 10), "100000")  # the previous period
    _order(a, x, date(2025, 12, 31), "999999", hour=23)  # before both periods
    _order(a, y, date(2026, 6, 30), "888888", hour=0)  # after the period
    _order(b, x, date(2026, 6, 1), "200000")  # nothing before: "new"
    _order(d, y, date(2026, 3, 31), "50000", hour=23)
    _order(d, y, date(2026, 4, 1), "-10000", hour=0)  # refunds only in the period
    Order.objects.create(external_id="DIRECT", customer=x, ordered_at=day_start(date(2026, 5, 1)),
                         amount=Decimal(7), currency="IDR")
    return boss, {"a": a, "b": b, "c": c, "d": d}


def test_resellers_are_ranked_by_revenue_in_base_currency_net_of_refunds(business):
    boss, r = business
    ranking = reseller_ranking(user=boss, period=PERIOD)
    rows = {row.name: row for row in ranking.rows}
    alfa = rows["Alfa"]
    assert alfa.revenue == pytest.approx(1000 + 10 * RATE - 500)
    assert alfa.previous == pytest.approx(100000)
    assert alfa.growth == pytest.approx((1000 + 10 * RATE - 500 - 100000) / 100000)
    assert (alfa.orders, alfa.previous_orders, alfa.customers) == (3, 1, 2)
    assert [row.name for row in ranking.rows] == ["Bravo", "Alfa", "Charlie", "Delta"]
    assert ranking.currency == "IDR"


def test_growth_is_new_without_previous_sales_and_never_divides_by_zero(business):
    boss, _ = business
    rows = {row.name: row for row in reseller_ranking(user=boss, period=PERIOD).rows}
    assert rows["Bravo"].is_new and rows["Bravo"].growth is None
    assert not rows["Charlie"].is_new and rows["Charlie"].growth is None
    assert rows["Charlie"].revenue == 0 and rows["Charlie"].customers == 0
    delta = rows["Delta"]
    assert delta.revenue == pytest.approx(-10000) and delta.previous == pytest.approx(50000)
    assert delta.growth == pytest.approx(-1.2)


def test_the_sorts_put_new_first_on_growth_and_no_figure_last(business):
    boss, _ = business
    by_growth = reseller_ranking(user=boss, period=PERIOD, sort="growth").rows
    assert [row.name for row in by_growth] == ["Bravo", "Alfa", "Delta", "Charlie"]
    assert [row.name for row in reseller_ranking(user=boss, period=PERIOD, sort="name").rows] == [
        "Alfa", "Bravo", "Charlie", "Delta"]
    by_customers = reseller_ranking(user=boss, period=PERIOD, sort="customers").rows
    assert by_customers[0].name == "Alfa"
    # An unknown sort is the revenue ranking.
    assert [row.name for row in reseller_ranking(user=boss, period=PERIOD, sort="x'--").rows] == [
        "Bravo", "Alfa", "Charlie", "Delta"]


def test_the_trend_has_twelve_months_of_revenue(business):
    boss, _ = business
    ranking = reseller_ranking(user=boss, period=PERIOD)
    assert ranking.months == trend_months(PERIOD)
    assert ranking.months[0] == date(2025, 7, 1) and ranking.months[-1] == date(2026, 6, 1)
    alfa = next(row for row in ranking.rows if row.name == "Alfa")
    by_month = dict(zip(ranking.months, alfa.trend, strict=True))
    assert by_month[date(2026, 2, 1)] == pytest.approx(100000)
    assert by_month[date(2026, 5, 1)] == pytest.approx(10 * RATE)
    assert by_month[date(2026, 6, 1)] == pytest.approx(-500)  # the order of June 30 is after
    assert by_month[date(2026, 4, 1)] == pytest.approx(1000)
    assert by_month[date(2025, 12, 1)] == pytest.approx(999999)  # before both periods
    assert sum(alfa.trend) == pytest.approx(alfa.revenue + alfa.previous + 999999)


def test_a_sales_rep_ranks_only_the_resellers_they_own(business):
    _, r = business
    rep = user_make("rep-own")
    r["a"].owner = rep
    r["a"].save(update_fields=["owner"])
    assert [row.name for row in reseller_ranking(user=rep, period=PERIOD).rows] == ["Alfa"]
    assert reseller_ranking(user=user_make("rep-none"), period=PERIOD).rows == []


def test_the_query_count_does_not_grow_with_the_resellers(business):
    boss, _ = business
    x = customer_make("Z")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            reseller_ranking(user=boss, period=PERIOD)
        return len(ctx.captured_queries)

    before = queries()
    for i in range(8):
        reseller = customer_make(f"More {i}", relationship="intermediary")
        _order(reseller, x, date(2026, 5, 1 + i), "1000")
        _order(reseller, x, date(2026, 2, 1 + i), "1000")
    assert queries() == before <= 3
