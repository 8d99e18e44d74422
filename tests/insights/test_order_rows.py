"""`daur score` hands the orders it read to the alerts where both compute the same days."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

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


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jakarta"])
def test_a_zone_with_one_offset_gives_the_alerts_the_orders_scoring_read(settings, zone):
    settings.TIME_ZONE = zone
    _business()
    run = scores_compute()
    assert run.order_rows is not None
    reused, read = history_of(run.order_rows), history_of(fetch_orders(run.as_of))
    np.testing.assert_array_equal(reused.customer_pks, read.customer_pks)
    # The same rows; within a day their order is the table's or the index's (sums ignore it).
    np.testing.assert_array_equal(_rows(reused), _rows(read))


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's day arithmetic")
def test_on_sqlite_a_zone_with_daylight_saving_leaves_the_alerts_to_read_them(settings):
    settings.TIME_ZONE = "Europe/Rome"
    _business()
    assert scores_compute().order_rows is None


def _rows(history) -> np.ndarray:
    rows = np.column_stack((history.day, history.customer, history.purchases, history.spend))
    return rows[np.lexsort(rows.T[::-1])]
