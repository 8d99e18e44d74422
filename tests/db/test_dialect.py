"""The dialect's expressions give what Python computes, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from daur.catalog.models import Product
from daur.customers.models import Customer
from daur.db import dialect
from daur.sales.models import Order

pytestmark = pytest.mark.django_db
EPOCH = date(1970, 1, 1)
ZONES = (
    "UTC",
    "Asia/Jakarta",
    "Europe/Rome",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",  # daylight saving of half an hour
    "Asia/Kathmandu",  # +05:45
    "Pacific/Apia",  # skipped 30 December 2011
)


def _moments(zone: str) -> list[datetime]:
    """Moments spread over 1902-2099, and a second either side of each change of the zone's
    offset from 1960 to 2040 (daylight saving's start and end)."""
    pick = random.Random(f"{zone}-days")
    start = datetime(1902, 1, 1, tzinfo=UTC)
    spread = [
        start
        + timedelta(
            seconds=pick.randrange(197 * 365 * 86_400), microseconds=pick.randrange(2) * 500_000
        )
        for _ in range(150)
    ]
    tz = ZoneInfo(zone)
    edges = []
    moment = datetime(1960, 1, 1, tzinfo=UTC)
    while moment.year < 2040:
        after = moment + timedelta(hours=6)
        if moment.astimezone(tz).utcoffset() != after.astimezone(tz).utcoffset():
            low, high = moment, after
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
                    low = middle
                else:
                    high = middle
            edges += [low - timedelta(seconds=1), low, high, high + timedelta(seconds=1)]
        moment = after
    return spread + edges


def _stored_orders(moments: list[datetime]) -> None:
    who = Customer.objects.create(external_id="C1", name="Someone", created_at=moments[0])
    Order.objects.bulk_create(
        Order(external_id=f"O{i}", customer=who, ordered_at=m, amount=Decimal(1), currency="IDR")
        for i, m in enumerate(moments)
    )


@pytest.mark.parametrize("zone", ZONES)
def test_the_local_day_of_a_moment_is_its_calendar_day_in_the_zone(settings, zone):
    settings.TIME_ZONE = zone
    moments = _moments(zone)
    _stored_orders(moments)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.external_id, {dialect.local_day('o.ordered_at')} FROM sales_order o"
        )
        found = dict(cursor.fetchall())
    tz = ZoneInfo(zone)
    expected = {f"O{i}": (m.astimezone(tz).date() - EPOCH).days for i, m in enumerate(moments)}
    wrong = {
        k: (m, found[k], expected[k]) for k, m in zip(expected, moments) if found[k] != expected[k]
    }
    assert not wrong


def test_the_local_day_of_no_moment_is_null(settings):
    settings.TIME_ZONE = "Europe/Rome"
    Customer.objects.create(external_id="C1", name="x", created_at=datetime(2026, 1, 1, tzinfo=UTC))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {dialect.local_day('o.ordered_at')} FROM customers_customer c "
            "LEFT JOIN sales_order o ON o.customer_id = c.id"
        )
        assert cursor.fetchall() == [(None,)]


def test_a_dates_day_counts_from_1970_before_and_after():
    days = [
        date(1969, 12, 31),
        date(1970, 1, 1),
        date(1900, 3, 1),
        date(2026, 3, 29),
        date(2099, 12, 31),
    ]
    Product.objects.bulk_create(
        Product(sku=f"S{i}", name="p", category="c", launched_on=d) for i, d in enumerate(days)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT sku, {dialect.date_day('launched_on')} FROM catalog_product")
        found = dict(cursor.fetchall())
    assert found == {f"S{i}": (d - EPOCH).days for i, d in enumerate(days)}


def test_typed_values_and_cases_read_back_as_doubles():
    rates = {"EUR": 17500.0, "USD": 16000.25, "bad'code": 3.0}
    case = dialect.value_case("x.code", rates, 1.0)
    assert "bad" not in case  # only plain codes are written into the SQL
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT x.code, {dialect.as_float('x.amount')} * {case} FROM (SELECT 'USD' AS code, "
            "2.5 AS amount UNION ALL SELECT 'XYZ', 4 UNION ALL SELECT 'EUR', 0.1) x"
        )
        found = dict(cursor.fetchall())
    assert found == {"USD": 2.5 * 16000.25, "XYZ": 4.0, "EUR": 0.1 * 17500.0}


def test_json_merge_sets_the_new_keys_over_the_old():
    merged, changed = dialect.json_merge("x.a", "x.b")
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {merged}, {changed} FROM (SELECT \'{{"k": 1, "m": 2}}\'{cast} AS a, '
            f"'{{\"k\": 3}}'{cast} AS b) x"
        )
        value, differs = cursor.fetchone()
    value = value if isinstance(value, dict) else json.loads(value)
    assert value == {"k": 3, "m": 2} and bool(differs)
