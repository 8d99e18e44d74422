"""`daur score` hands the orders it read to the alerts: both compute the same days (one local day,
`daur.db.dialect.local_day`), in any time zone, with or without daylight saving."""

from __future__ import annotations

import numpy as np
import pytest

from daur.demo.load import demo_load
from daur.insights.alerts_history import fetch_orders, history_of
from daur.insights.services import scores_compute

from .factories import customer, order

pytestmark = pytest.mark.django_db


def _business():
    demo_load(customers=120, seed=3)
    someone = customer("LATE")
    order(someone, "2026-10-20", 90000.0, hour=20)  # late in the UTC evening
    order(someone, "2026-10-22", -25000.0, hour=23)  # a refund
    order(someone, "2026-10-24", 310.5, currency="EUR", hour=21)
    order(someone, "2026-07-14", 120000.0, hour=22)  # the next day in summer in Rome
    order(someone, "2026-01-14", 80000.0, hour=23)  # the next day in winter in Rome


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jakarta", "Europe/Rome", "America/New_York"])
def test_scoring_gives_the_alerts_the_orders_they_would_read(settings, zone):
    settings.TIME_ZONE = zone
    _business()
    run = scores_compute()
    assert run.order_rows is not None
    reused, read = history_of(run.order_rows), history_of(fetch_orders(run.as_of))
    np.testing.assert_array_equal(reused.customer_pks, read.customer_pks)
    # The same rows; within a day their order is the table's or the index's (sums ignore it).
    np.testing.assert_array_equal(_rows(reused), _rows(read))


def _rows(history) -> np.ndarray:
    rows = np.column_stack((history.day, history.customer, history.purchases, history.spend))
    return rows[np.lexsort(rows.T[::-1])]
