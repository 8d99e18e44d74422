"""What makes an order a discounted one (the typology's discount share, SPEC §1.4): a discount
amount above zero or a coupon code. One rule, as a Python predicate, an ORM condition and SQL."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from daur.db import dialect


def is_discounted(discount_amount: Decimal | float | None, coupon_code: str | None) -> bool:
    return bool(discount_amount and discount_amount > 0) or bool(coupon_code)


def discounted_q(prefix: str = "") -> Q:
    """The rule as an ORM condition (`prefix`, e.g. "orders__", reaches an order)."""
    return Q(**{f"{prefix}discount_amount__gt": 0}) | ~Q(**{f"{prefix}coupon_code": ""})


def discounted_sql(alias: str) -> str:
    """The rule as SQL on the sales_order row `alias`: 1 for a discounted order, else 0."""
    return dialect.flag(f"{alias}.discount_amount > 0 OR {alias}.coupon_code <> ''")
