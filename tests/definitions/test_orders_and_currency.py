"""The discounted-order rule and the base-currency conversion: their Python, ORM and SQL forms and
what scoring reads agree on every order."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection

from daur.customers.models import Customer
from daur.definitions import currency, orders
from daur.insights.extract import base_records
from daur.sales.models import Order

pytestmark = pytest.mark.django_db
RATES = {"EUR": 17500.0, "USD": 16000.5}


@pytest.fixture
def placed(settings):
    settings.DAUR_DEFAULT_CURRENCY = "IDR"
    settings.DAUR_EXCHANGE_RATES = RATES
    who = Customer.objects.create(
        external_id="C1", name="x", created_at=datetime(2025, 1, 1, tzinfo=UTC)
    )
    made = []
    cases = [
        ("0", "", "IDR", "120000"),
        ("0.01", "", "EUR", "10.5"),
        ("0", "SPRING", "USD", "7.25"),
        ("5000", "WELCOME", "IDR", "95000"),
        ("0", "", "XYZ", "3"),  # a currency without a rate
        ("0", "", "EUR", "-20"),  # a refund
    ]
    for i, (discount, coupon, code, amount) in enumerate(cases):
        made.append(
            Order.objects.create(
                external_id=f"O{i}",
                customer=who,
                ordered_at=datetime(2026, 3, 1 + i, 9, tzinfo=UTC),
                amount=Decimal(amount),
                currency=code,
                discount_amount=Decimal(discount),
                coupon_code=coupon,
            )
        )
    return made


def test_the_discount_rule_reads_the_same_in_python_the_orm_sql_and_scoring(placed):
    expected = {o.pk: orders.is_discounted(o.discount_amount, o.coupon_code) for o in placed}
    assert sorted(expected.values()) == [False, False, False, True, True, True]
    by_orm = set(Order.objects.filter(orders.discounted_q()).values_list("pk", flat=True))
    assert by_orm == {pk for pk, flag in expected.items() if flag}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT o.id, {orders.discounted_sql('o')} FROM sales_order o")
        assert {pk: bool(flag) for pk, flag in cursor.fetchall()} == expected
    events = base_records().events.orders
    assert events.discounted.tolist() == [expected[o.pk] for o in placed]


def test_an_amount_in_the_base_currency_reads_the_same_everywhere(placed):
    assert currency.exchange_rates() == {"IDR": 1.0, **RATES}
    python = {o.pk: currency.to_base(float(o.amount), o.currency) for o in placed}
    assert python[placed[1].pk] == pytest.approx(10.5 * 17500.0)
    assert python[placed[4].pk] is None  # no rate: no conversion in Python
    by_orm = dict(Order.objects.annotate(value=currency.base_amount()).values_list("pk", "value"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.id, {currency.base_amount_sql('o.amount', 'o.currency')} FROM sales_order o"
        )
        by_sql = dict(cursor.fetchall())
    scored = base_records().events.orders.amount
    for i, o in enumerate(placed):
        # SQL converts a currency without a rate at 1 (the import accepts only known ones).
        want = python[o.pk] if python[o.pk] is not None else float(o.amount)
        assert by_orm[o.pk] == pytest.approx(want)
        assert by_sql[o.pk] == pytest.approx(want)
        assert scored[i] == pytest.approx(want)


def test_the_base_currency_is_one_even_when_the_rates_name_it(settings):
    settings.DAUR_DEFAULT_CURRENCY = "IDR"
    settings.DAUR_EXCHANGE_RATES = {"IDR": 2.0, "EUR": 17500.0}
    assert currency.exchange_rates()["IDR"] == 1.0
    assert currency.exchange_rates(base="EUR") == {"EUR": 1.0, "IDR": 2.0}
    assert np.isclose(currency.to_base(3.0, "EUR"), 52500.0)
