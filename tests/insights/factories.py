"""Small builders for hand-made businesses: every figure a test expects is counted by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count

from django.utils import timezone

from daur.customers.models import Customer
from daur.insights.models import CustomerScore
from daur.sales.models import Order

_ids = count(1)


def moment(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def customer(external_id: str, created: str = "2024-01-01", **fields) -> Customer:
    return Customer.objects.create(
        external_id=external_id, name=external_id, created_at=moment(created), **fields
    )


def order(
    who: Customer,
    day: str,
    amount: float,
    currency: str = "IDR",
    reseller: Customer | None = None,
    hour: int = 12,
) -> Order:
    return Order.objects.create(
        external_id=f"O{next(_ids)}",
        customer=who,
        ordered_at=moment(day, hour),
        amount=Decimal(str(amount)),
        currency=currency,
        reseller=reseller,
    )


def score(who: Customer, **fields) -> CustomerScore:
    fields.setdefault("lifecycle_stage", "retention")
    return CustomerScore.objects.create(
        customer=who, as_of=date(2026, 12, 31), scored_at=timezone.now(), **fields
    )
