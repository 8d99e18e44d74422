"""Numeric fetches give what the driver gives, row for row; packed pairs come apart unchanged."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection

from daur.customers.models import Customer
from daur.db.numeric import Packing, fetch_factorized, fetch_numeric, fetch_numeric_many
from daur.sales.models import Order

pytestmark = pytest.mark.django_db
QUERY = "SELECT o.id, o.amount, o.reseller_id, o.customer_id FROM sales_order o"


@pytest.fixture
def orders():
    when = datetime(2026, 1, 1, tzinfo=UTC)
    people = [
        Customer.objects.create(
            external_id=f"C{i}", name="x", created_at=when, country=country, city=city
        )
        for i, (country, city) in enumerate(
            [("ID", "Medan"), ("ID", "Bandung"), ("", "Medan"), ("ID", "Medan"), ("IT", "Roma")]
        )
    ]
    amounts = ["0.01", "-25000.50", "123456789012.34", "7", "0"]
    for i, amount in enumerate(amounts):
        Order.objects.create(
            external_id=f"O{i}",
            customer=people[i % len(people)],
            reseller=people[0] if i % 2 else None,
            ordered_at=when,
            amount=Decimal(amount),
            currency="IDR",
        )
    return people


def _by_driver(sql: str) -> np.ndarray:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = [[np.nan if v is None else float(v) for v in row] for row in cursor.fetchall()]
    return np.array(rows, dtype=np.float64).reshape(len(rows), 4)


def _sorted(matrix: np.ndarray) -> np.ndarray:
    return matrix[np.argsort(matrix[:, 0])]


def test_a_numeric_fetch_is_the_drivers_rows_with_null_as_nan(orders):
    expected = _sorted(_by_driver(QUERY))
    np.testing.assert_array_equal(_sorted(fetch_numeric(QUERY, 4)), expected)
    np.testing.assert_array_equal(_sorted(fetch_numeric(QUERY, 4, few=True)), expected)
    together, alone = fetch_numeric_many([(QUERY, 4), ("SELECT c.id FROM customers_customer c", 1)])
    np.testing.assert_array_equal(_sorted(together), expected)
    assert sorted(alone[:, 0]) == sorted(c.pk for c in orders)


def test_no_rows_is_an_empty_matrix_of_the_width(db):
    assert fetch_numeric(QUERY, 4).shape == (0, 4)
    assert fetch_numeric(QUERY + " WHERE o.id = %s", 4, [1], few=True).shape == (0, 4)


@pytest.mark.parametrize("packing", [Packing(bits=1), Packing(bits=17, shift=2**16)])
def test_a_packed_pair_comes_apart_unchanged_in_sql_and_numpy(orders, packing):
    low = "(o.id % 50000) - 25000" if packing.shift else "CASE WHEN o.amount > 0 THEN 1 ELSE 0 END"
    rows = fetch_numeric(
        f"SELECT o.customer_id, {low}, {packing.sql('o.customer_id', low)} FROM sales_order o", 3
    )
    np.testing.assert_array_equal(packing.high(rows[:, 2]), rows[:, 0])
    np.testing.assert_array_equal(packing.low(rows[:, 2]), rows[:, 1])
    assert packing.fits(2 ** (53 - packing.bits) - 1) and not packing.fits(2 ** (53 - packing.bits))


def test_negative_days_keep_their_flag():
    packing = Packing(bits=1)
    days, flags = np.array([-999_999_999, -1, 0, 20_000]), np.array([1, 0, 1, 1])
    packed = (days * 2 + flags).astype(np.float64)
    np.testing.assert_array_equal(packing.high(packed), days)
    np.testing.assert_array_equal(packing.low(packed), flags)


def test_factorized_values_number_each_rows_values_among_the_distinct(orders):
    keys, position, distinct = fetch_factorized(
        "customers_customer", "id", ("country", "city"), "country > '' AND city > ''"
    )
    assert sorted(distinct) == [("ID", "Bandung"), ("ID", "Medan"), ("IT", "Roma")]
    got = {int(k): distinct[p] for k, p in zip(keys, position, strict=True)}
    assert got == {c.pk: (c.country, c.city) for c in orders if c.country and c.city}
