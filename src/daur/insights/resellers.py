"""Resellers ranked by their business in a period, computed when asked (no nightly lag).

A reseller is a customer whose relationship is "intermediary"; the orders it placed for end
customers carry it (`Order.reseller`). Amounts are in the base currency
(daur.definitions.currency), a
refund (a negative amount) lowers the revenue. Three aggregate queries whatever the number of
resellers: the resellers the user may see, the two periods' sums per reseller (the index on
sales_order(reseller_id, ordered_at) serves them), and the per-month sums of the trend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from daur.accounts.models import User
from daur.customers.selectors import customers_visible_to
from daur.definitions.currency import base_amount
from daur.insights.period import Period, day_start, local_day
from daur.sales.models import Order

TREND_MONTHS = 12
# Sort key -> (field of ResellerRow, default direction); ties fall back to the name.
SORTS: dict[str, tuple[str, str]] = {
    "revenue": ("revenue", "desc"),
    "growth": ("growth", "desc"),
    "customers": ("customers", "desc"),
    "orders": ("orders", "desc"),
    "name": ("name", "asc"),
}


@dataclass(frozen=True, slots=True)
class ResellerRow:
    pk: int
    name: str
    revenue: float  # in the period, base currency, net of refunds
    previous: float  # in the previous period of equal length
    orders: int
    previous_orders: int
    customers: int  # distinct end customers served in the period
    trend: tuple[float, ...]  # revenue per month, oldest first (ResellerRanking.months)

    @property
    def is_new(self) -> bool:
        """Sales in the period and none in the previous one: growth is "new", not a ratio."""
        return self.previous_orders == 0 and self.orders > 0

    @property
    def growth(self) -> float | None:
        """(revenue - previous) / |previous|; None when the previous revenue is nil."""
        if not self.previous:
            return None
        return (self.revenue - self.previous) / abs(self.previous)


@dataclass(frozen=True, slots=True)
class ResellerRanking:
    period: Period
    previous: Period
    months: tuple[date, ...]  # the first day of each month of the trend
    rows: list[ResellerRow]
    currency: str

    @property
    def total_revenue(self) -> float:
        return sum(row.revenue for row in self.rows)


def resellers_visible_to(user: User):  # noqa: ANN201 - a Customer queryset
    """The resellers the user may see: every one for the roles that see every customer (support
    agents read them), a sales rep's own."""
    return customers_visible_to(user).filter(relationship="intermediary")


def trend_months(period: Period, n: int = TREND_MONTHS) -> tuple[date, ...]:
    """The first days of the `n` calendar months ending with the period's last day's month."""
    year, month = period.date_to.year, period.date_to.month
    out = []
    for _ in range(n):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(reversed(out))


def _sort_key(key: str):  # noqa: ANN202
    field, _ = SORTS[key]

    def value(row: ResellerRow):  # noqa: ANN202
        v = getattr(row, field)
        if field == "growth" and v is None:  # "new" above every ratio, no figure below all
            v = float("inf") if row.is_new else None
        return v

    return value


def _ordered(rows: list[ResellerRow], sort: str) -> list[ResellerRow]:
    """Rows by the sort key `sort` (an unknown one: revenue) in its direction; rows with no
    value for it last; ties by name, then id."""
    key = sort if sort in SORTS else "revenue"
    _, direction = SORTS[key]
    value = _sort_key(key)
    rows = sorted(rows, key=lambda r: (r.name.casefold(), r.pk))
    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    present.sort(key=value, reverse=direction == "desc")
    return present + missing


def reseller_ranking(*, user: User, period: Period, sort: str = "revenue") -> ResellerRanking:
    """The resellers the user may see with their figures for `period` against the one before."""
    previous = period.previous()
    months = trend_months(period)
    resellers = resellers_visible_to(user)
    names = dict(resellers.values_list("pk", "name"))
    ids = resellers.values("pk")
    current = Q(ordered_at__gte=period.start)
    before = Q(ordered_at__lt=period.start)
    amount = base_amount()
    sums = {
        row["reseller_id"]: row
        for row in Order.objects.filter(
            reseller_id__in=ids, ordered_at__gte=previous.start, ordered_at__lt=period.end
        )
        .values("reseller_id")
        .annotate(
            revenue=Sum(amount, filter=current),
            previous=Sum(amount, filter=before),
            orders=Count("id", filter=current),
            previous_orders=Count("id", filter=before),
            customers=Count("customer_id", filter=current, distinct=True),
        )
        .order_by()
    }
    trend: dict[int, dict[date, float]] = {}
    for row in (
        Order.objects.filter(
            reseller_id__in=ids,
            ordered_at__gte=day_start(months[0]),
            ordered_at__lt=period.end,
        )
        .annotate(month=TruncMonth("ordered_at"))
        .values("reseller_id", "month")
        .annotate(total=Sum(amount))
        .order_by()
    ):
        month = row["month"]
        first = (local_day(month) if hasattr(month, "hour") else month).replace(day=1)
        trend.setdefault(row["reseller_id"], {})[first] = row["total"] or 0.0
    rows = []
    for pk, name in names.items():
        s = sums.get(pk, {})
        by_month = trend.get(pk, {})
        rows.append(
            ResellerRow(
                pk=pk,
                name=name,
                revenue=s.get("revenue") or 0.0,
                previous=s.get("previous") or 0.0,
                orders=s.get("orders", 0),
                previous_orders=s.get("previous_orders", 0),
                customers=s.get("customers", 0),
                trend=tuple(by_month.get(m, 0.0) for m in months),
            )
        )
    return ResellerRanking(
        period=period,
        previous=previous,
        months=months,
        rows=_ordered(rows, sort),
        currency=settings.DAUR_DEFAULT_CURRENCY,
    )
