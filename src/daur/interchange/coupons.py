"""An orders file's campaign coupons (daur.campaigns.coupons): checked on the staged rows, so a
bad one is reported with its line like any other problem and nothing is written; redeemed once
the orders are merged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from daur.campaigns.coupons import CouponUse, coupon_refusals, coupons_redeem
from daur.interchange.staging import Problem, Staging

# Only codes that may be a campaign's are read back (a shop's own codes are left in the table).
SHAPED = "UPPER(TRIM(s.\"coupon_code\")) LIKE 'CP%-%'"


def _uses(staging: Staging) -> list[CouponUse]:
    if staging.kind.name != "orders" or "coupon_code" not in staging.present:
        return []
    rows = staging.rows(
        f'SELECT s.line, s."order_id", s."customer_id", s."coupon_code", s."ordered_at" '
        f"FROM {staging.table} s WHERE {SHAPED} ORDER BY s.line"
    )
    return [
        CouponUse(line, order, customer, code, _moment(at))
        for line, order, customer, code, at in rows
    ]


def _moment(value: Any) -> datetime:
    """A staged moment: aware on PostgreSQL, naive UTC (or its text) on SQLite."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def coupon_problems(staging: Staging) -> list[Problem]:
    """One problem per campaign coupon the file may not use, naming its line and the reason."""
    return [
        Problem(use.line, "coupon_code", reason) for use, reason in coupon_refusals(_uses(staging))
    ]


def coupons_redeem_staged(staging: Staging) -> int:
    """Redeem the campaign coupons of the merged orders (rows left after any discarded)."""
    uses = _uses(staging)
    if not uses:
        return 0
    from django.apps import apps

    orders = apps.get_model("sales.Order").objects.filter(
        external_id__in=[u.order_id for u in uses]
    )
    ids = dict(orders.values_list("external_id", "id"))
    return coupons_redeem(
        [(u.code, ids[u.order_id], u.ordered_at) for u in uses if u.order_id in ids]
    )
