"""Small factories for the web tests: customers, orders and scores written directly."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from daur.accounts.models import User
from daur.analytics.rfm import SEGMENT_GRID
from daur.analytics.typology import TYPE_LABELS
from daur.catalog.models import Product
from daur.customers.models import Customer
from daur.insights.models import CustomerScore, ScoringRun, StageChange
from daur.sales.models import Order, OrderLine

_ids = itertools.count(1)
AS_OF = date(2025, 6, 30)


def user_make(username: str, role: str = "sales_rep", **fields) -> User:
    superuser = role in ("admin", "manager")
    return User.objects.create_user(
        username, password="pw-" + username, role=role, is_staff=superuser, **fields
    )


def customer_make(name: str = "", *, owner: User | None = None, **fields) -> Customer:
    n = next(_ids)
    fields.setdefault("external_id", f"C{n:05d}")
    return Customer.objects.create(name=name or f"Customer {n}", owner=owner, **fields)


def run_make(*, as_of: date = AS_OF, currency: str = "IDR") -> ScoringRun:
    return ScoringRun.objects.create(
        as_of=as_of, status=ScoringRun.Status.SUCCEEDED, base_currency=currency,
        finished_at=timezone.now(),
    )


def score_make(
    customer: Customer,
    *,
    stage: str = "retention",
    types: tuple[str, ...] = (),
    r: int | None = 3,
    f: int | None = 3,
    p_alive: float | None = 0.8,
    clv: float | None = 1_000_000.0,
    strategy: str = "enhance",
    run: ScoringRun | None = None,
    **fields,
) -> CustomerScore:
    bits = sum(1 << TYPE_LABELS.index(t) for t in types)
    return CustomerScore.objects.create(
        customer=customer,
        run=run,
        as_of=AS_OF,
        lifecycle_stage=stage,
        types=";".join(t for t in TYPE_LABELS if t in types),
        type_bits=bits,
        rfm_r=r,
        rfm_f=f,
        rfm_m=3 if r else None,
        rfm_segment=SEGMENT_GRID[r - 1][f - 1] if r and f else "",
        p_alive=p_alive,
        expected_orders_90d=1.2,
        expected_order_value=250_000.0,
        clv_12m=clv,
        strategy=strategy,
        strategy_reasons="Active and buys in few categories",
        scored_at=timezone.now(),
        **fields,
    )


def product_make(sku: str = "", **fields) -> Product:
    n = next(_ids)
    fields.setdefault("category", "tea")
    return Product.objects.create(sku=sku or f"P{n}", name=fields.pop("name", f"Product {n}"), **fields)


def order_make(
    customer: Customer,
    *,
    at: datetime | None = None,
    amount: str = "150000",
    currency: str = "IDR",
    lines: int = 1,
    **fields,
) -> Order:
    n = next(_ids)
    at = at or timezone.make_aware(datetime(2025, 6, 1, 10)) - timedelta(days=n % 200)
    order = Order.objects.create(
        external_id=f"O{n:06d}", customer=customer, ordered_at=at, amount=Decimal(amount),
        currency=currency, **fields,
    )
    for _ in range(lines):
        OrderLine.objects.create(
            order=order, product=product_make(), quantity=Decimal(1), unit_price=Decimal(amount)
        )
    return order


def stage_change_make(customer: Customer, *, on: date, to: str, frm: str = "") -> StageChange:
    return StageChange.objects.create(customer=customer, changed_on=on, from_stage=frm, to_stage=to)
