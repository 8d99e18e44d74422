"""Cohort retention on a hand-built base: the triangle below is counted by hand from the orders."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import override_settings

from daur import cli
from daur.insights.kpi_cohorts import cohort_retention_compute
from daur.insights.period import Period

from .factories import customer, order

pytestmark = pytest.mark.django_db
# Ends mid-April: the April column is partial
PERIOD = Period(date_from=date(2026, 1, 1), date_to=date(2026, 4, 15))


@pytest.fixture
def jakarta():
    with override_settings(TIME_ZONE="Asia/Jakarta"):  # UTC+7, no daylight saving
        yield


def plant_base() -> None:
    a, b, d = customer("A"), customer("B"), customer("D")
    order(a, "2026-01-05", 100)  # January cohort
    order(a, "2026-02-10", 100)  # +1
    order(a, "2026-04-01", 100)  # +3
    order(b, "2026-01-20", 100)  # January cohort
    order(b, "2026-01-25", 100)  # the same month: not a return
    order(b, "2026-02-03", -50)  # a refund is not a purchase: B is not retained at +1
    order(b, "2026-03-15", 100)  # +2
    order(b, "2026-04-16", 100)  # after the period: not counted at +3
    order(d, "2026-01-07", 100)  # January cohort, a single order
    e = customer("E")
    order(e, "2025-12-10", 100)  # first purchase before the period: in no cohort
    order(e, "2026-02-01", 100)
    t = customer("T")
    # 20:00 UTC on 31 January is 03:00 on 1 February in Jakarta: the February cohort
    order(t, "2026-01-31", 100, hour=20)
    order(t, "2026-03-01", 100)  # +1
    f = customer("F")
    order(f, "2025-12-01", -10)  # a refund before the period is no first purchase
    order(f, "2026-03-05", 100)  # March cohort, of one customer
    order(f, "2026-04-10", 100)  # +1
    g = customer("G")
    order(g, "2026-02-02", -30)  # only refunds: never a buyer
    h = customer("H")
    order(h, "2026-04-20", 100)  # first purchase after the period


def triangle(retention) -> dict[str, tuple]:
    return {
        c.month.strftime("%Y-%m"): (c.customers, c.retained, c.retention) for c in retention.cohorts
    }


@pytest.mark.usefixtures("jakarta")
def test_the_retention_triangle_counted_by_hand():
    plant_base()

    retention = cohort_retention_compute(period=PERIOD)

    third = pytest.approx(1 / 3)
    assert triangle(retention) == {
        # A, B, D: A back in February and April, B in March (its February refund does not count)
        "2026-01": (3, (1, 1, 1), (third, third, third)),
        # T, whose first order is 1 February in Jakarta, back in March, not in April
        "2026-02": (1, (1, 0), (1.0, 0.0)),
        # F alone, back in April
        "2026-03": (1, (1,), (1.0,)),
        # nobody's first purchase falls in 1-15 April
        "2026-04": (0, (), ()),
    }
    assert retention.last_month_partial is True


def test_months_are_calendar_months_of_the_business_time_zone():
    # In UTC, T's first order (20:00 on 31 January) belongs to January
    t = customer("T")
    order(t, "2026-01-31", 100, hour=20)
    order(t, "2026-02-01", 100, hour=20)

    retention = cohort_retention_compute(period=PERIOD)

    assert triangle(retention)["2026-01"] == (1, (1, 0, 0), (1.0, 0.0, 0.0))
    assert triangle(retention)["2026-02"] == (0, (0, 0), (None, None))


def test_an_empty_period_has_empty_cohorts():
    order(customer("A"), "2025-06-01", 100)  # before the period
    retention = cohort_retention_compute(
        period=Period(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))
    )
    assert triangle(retention) == {"2026-03": (0, (0,), (None,)), "2026-04": (0, (), ())}
    assert retention.last_month_partial is False


def test_a_period_within_one_month_has_one_cohort_and_no_later_month():
    a = customer("A")
    order(a, "2026-05-03", 100)
    order(a, "2026-05-09", 100)
    retention = cohort_retention_compute(
        period=Period(date_from=date(2026, 5, 1), date_to=date(2026, 5, 10))
    )
    assert triangle(retention) == {"2026-05": (1, (), ())}


def test_kpi_command_shows_the_triangle(capsys):
    a = customer("A")
    order(a, "2026-01-05", 100)
    order(a, "2026-03-05", 100)
    assert cli.main(["kpi", "--from", "2026-01-01", "--to", "2026-03-31", "--json"]) == 0
    cohorts = json.loads(capsys.readouterr().out)["retention"]["cohorts"]
    assert cohorts["last_month_partial"] is False
    assert cohorts["cohorts"][0] == {
        "month": "2026-01-01",
        "customers": 1,
        "retained": [0, 1],
        "retention": [0.0, 1.0],
    }
    assert cli.main(["kpi", "--from", "2026-01-01", "--to", "2026-03-31"]) == 0
    text = capsys.readouterr().out
    assert "cohort retention" in text
    assert "2026-01          1  0.0 %  100.0 %" in text


def test_no_query_per_customer(django_assert_max_num_queries):
    for i in range(30):
        who = customer(f"C{i}")
        order(who, "2026-01-10", 100)
        order(who, f"2026-0{2 + i % 3}-10", 100)
    with django_assert_max_num_queries(2):
        retention = cohort_retention_compute(period=PERIOD)
    assert triangle(retention)["2026-01"][1] == (10, 10, 10)
