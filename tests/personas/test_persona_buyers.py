"""What the personas read of each buyer (daur.insights.personas.persona_buyers): the figures
against a base written by hand, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from daur.catalog.models import Product
from daur.insights.personas import persona_buyers
from daur.sales.models import Order, OrderLine
from tests.web.factories import customer_make, run_make, score_make

pytestmark = pytest.mark.django_db


def _order(customer, day: date, amount: str, *, channel: str, category: str,
           discount: str = "0", currency: str = "IDR", n: list[int] = [0]) -> None:  # noqa: B006
    n[0] += 1
    order = Order.objects.create(
        external_id=f"PB{n[0]}", customer=customer, currency=currency, channel=channel,
        ordered_at=timezone.make_aware(datetime(day.year, day.month, day.day, 12)),
        amount=Decimal(amount), discount_amount=Decimal(discount),
    )
    product = Product.objects.create(sku=f"PBS{n[0]}", name="x", category=category)
    OrderLine.objects.create(order=order, product=product, quantity=Decimal(2),
                             unit_price=Decimal(amount) / 2)


def test_the_buyers_figures_read_from_the_base():
    run = run_make()
    a = customer_make("A", city="Bandung", country="ID", relationship="external")
    b = customer_make("B", city="Milano", country="IT", relationship="intermediary")
    customer_make("Prospect")  # no order: no persona
    score_make(a, run=run, orientation="cost")
    _order(a, date(2025, 6, 20), "100", channel="web", category="Fashion", discount="10")
    _order(a, date(2025, 5, 1), "300", channel="web", category="Toys")
    _order(a, date(2025, 1, 1), "200", channel="store", category="Fashion")
    _order(b, date(2023, 6, 30), "1000", channel="store", category="Toys", currency="EUR")
    _order(b, date(2023, 7, 30), "1000", channel="phone", category="Toys", currency="EUR")
    buyers = persona_buyers(date(2025, 6, 30))
    assert list(buyers.pks) == [a.pk, b.pk]
    numbers = buyers.data.numbers
    assert list(numbers["recency_days"]) == [10.0, (date(2025, 6, 30) - date(2023, 7, 30)).days]
    assert numbers["orders_per_year"][0] == 3.0  # less than a year: counted over a year
    assert numbers["orders_per_year"][1] == pytest.approx(2 / ((731 + 1) / 365.25))
    assert numbers["order_value"][0] == pytest.approx(200.0)
    assert numbers["order_value"][1] == pytest.approx(1000 * 17_500)  # EUR into IDR
    assert list(numbers["discount_share"]) == pytest.approx([1 / 3, 0.0])
    shares = buyers.data.category_shares
    assert shares["Fashion"] == pytest.approx(np.array([0.5, 0.0]))
    assert shares["Toys"] == pytest.approx(np.array([0.5, 1.0]))
    codes = buyers.data.codes
    assert list(codes["channel"]) == ["web", "phone"]  # b: a tie, the first alphabetically
    assert list(codes["city"]) == ["Bandung", "Milano"]
    assert list(codes["country"]) == ["ID", "IT"]
    assert list(codes["relationship"]) == ["external", "intermediary"]
    assert list(codes["orientation"]) == ["cost", ""]  # b has no score
