"""The order history the alerts read, as numpy columns: one row per order, sorted by day.

Every order up to the run's day is read with `fetch_numeric` (on PostgreSQL double precision
arrays, not rows through the ORM; the base split in two halves read at once on two connections in
one snapshot): the customer, the day in the business's time zone (computed in SQL as Django's
TruncDate computes it, so the days are those of the KPIs) and, for a purchase (amount >= 0), its
amount in the base currency (the rates of DAUR_EXCHANGE_RATES, as `money.base_amount`).

Rows sorted by day make any span of days a slice, so a per-customer sum over a window is one
bincount over that window's rows, and the orders up to a day a prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

import numpy as np
from django.db import connection
from django.utils import timezone

from daur.analytics.rfm import segment_codes
from daur.insights.extract import exchange_rates, fetch_numeric
from daur.insights.parallel import SharedSnapshot, can_fetch_in_parallel
from daur.insights.period import day_start

T = TypeVar("T")
KEPT_SPANS = 16  # per-customer sums kept by OrderHistory.bought (16 MB each per million)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# The customer and the day in one number: customer_id x DAY_KEYS + days since 1970 + DAY_SHIFT
# (days from 1790 to 2149), exact in a double for customer keys under 2^36.
DAY_BITS = 17
DAY_KEYS = 1 << DAY_BITS
DAY_SHIFT = 2**16


@dataclass(frozen=True)
class OrderHistory:
    """Orders up to a day, by customer (`customer` indexes `customer_pks`), sorted by day
    (date ordinals); refunds included, as scoring counts orders for RFM."""

    customer_pks: np.ndarray  # the customers with an order, ascending
    customer: np.ndarray
    day: np.ndarray
    purchases: np.ndarray  # 1.0 for a purchase (amount >= 0), else 0.0
    spend: np.ndarray  # a purchase's amount in the base currency, else 0.0
    _bought: dict = field(default_factory=dict, compare=False, repr=False)
    _as_of: list = field(default_factory=list, compare=False, repr=False)

    @property
    def n_customers(self) -> int:
        return len(self.customer_pks)

    def rows(self, first_day: int, days: int) -> slice:
        """The rows of the days first_day .. first_day + days - 1."""
        lo, hi = np.searchsorted(self.day, [first_day, first_day + days], side="left")
        return slice(int(lo), int(hi))

    def bought(self, first_day: int, days: int) -> tuple[np.ndarray, np.ndarray]:
        """Per customer: purchases and spend over `days` days from `first_day` (the last
        KEPT_SPANS asked for are kept: windows and years before them recur)."""
        key = (first_day, days)
        if key in self._bought:
            self._bought[key] = self._bought.pop(key)  # the most recently used last
        else:
            rows = self.rows(first_day, days)
            customer = self.customer[rows]
            self._bought[key] = (
                np.bincount(customer, weights=self.purchases[rows], minlength=self.n_customers),
                np.bincount(customer, weights=self.spend[rows], minlength=self.n_customers),
            )
            if len(self._bought) > KEPT_SPANS:
                del self._bought[next(iter(self._bought))]
        return self._bought[key]

    def segments(self, as_of_day: int, edges) -> np.ndarray:  # noqa: ANN001
        """Each customer's RFM segment as of the end of `as_of_day` (see segment_codes).

        The orders up to a day are counted on from those of the previous call when it asked
        for an earlier day (ask in increasing order: one pass over the rows in all)."""
        end = int(np.searchsorted(self.day, as_of_day, side="right"))
        if self._as_of and self._as_of[0] <= end:
            start, frequency, last_day = self._as_of
        else:
            start = 0
            frequency = np.zeros(self.n_customers, dtype=np.int64)
            last_day = np.full(self.n_customers, np.iinfo(np.int64).min, dtype=np.int64)
        customer = self.customer[start:end]
        frequency = frequency + np.bincount(customer, minlength=self.n_customers)
        last_day = last_day.copy()
        np.maximum.at(last_day, customer, self.day[start:end])
        self._as_of[:] = [end, frequency, last_day]
        buyer = frequency > 0
        return segment_codes(
            frequency=frequency.astype(np.float64),
            last_day=np.where(buyer, last_day, 0),
            buyer=buyer,
            as_of_day=as_of_day,
            edges=edges,
        )


def order_history(as_of: date) -> OrderHistory:
    """Every order up to the end of `as_of` (see OrderHistory)."""
    return history_of(fetch_orders(as_of))


@dataclass(frozen=True)
class OrderRows:
    """The orders as read: one matrix per part of the table (see fetch_orders)."""

    parts: list[np.ndarray]
    packed: bool  # column 0 holds customer_id x DAY_KEYS + day + DAY_SHIFT, column 1 the spend


def fetch_orders(as_of: date) -> OrderRows:
    """Every order up to the end of `as_of`: customer, day and spend (NaN for a refund)."""
    day, day_params = day_sql("o.ordered_at")
    spend, spend_params = purchase_spend_sql()
    end = connection.ops.adapt_datetimefield_value(day_start(as_of + timedelta(days=1)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM customers_customer")
        most = cursor.fetchone()[0] or 0
    packed = most < 2**36  # one array less to build and send
    if packed:
        columns, width = f"o.customer_id * {DAY_KEYS} + {day} + {DAY_SHIFT}, {spend}", 2
    else:
        columns, width = f"o.customer_id, {day}, {spend}", 3
    sql = f"SELECT {columns} FROM sales_order o WHERE o.ordered_at < %s"
    params = [*day_params, *spend_params, end]
    if can_fetch_in_parallel():  # the table's two halves of pages at once, on two connections
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_relation_size('sales_order') / current_setting('block_size')::int"
            )
            middle = f"'({cursor.fetchone()[0] // 2},0)'::tid"
        queries = [(f"{sql} AND o.ctid {op} {middle}", width, params) for op in ("<", ">=")]
    else:
        queries = [(sql, width, params)]
    return OrderRows(parts=fetch_in_parallel(queries), packed=packed)


def history_of(rows: OrderRows) -> OrderHistory:
    """The rows sorted by day, customers as positions among their keys."""
    first = np.concatenate([part[:, 0] for part in rows.parts]).astype(np.int64)
    spend = np.concatenate([part[:, -1] for part in rows.parts])
    if rows.packed:
        days = (first & (DAY_KEYS - 1)) - DAY_SHIFT
    else:
        days = np.concatenate([part[:, 1] for part in rows.parts]).astype(np.int64)
    by_day = by_day_order(days)
    if rows.packed:
        key = first[by_day]
        customer_ids, days = key >> DAY_BITS, (key & (DAY_KEYS - 1)) - DAY_SHIFT
    else:
        customer_ids, days = first[by_day], days[by_day]
    spend = spend[by_day]
    purchase = ~np.isnan(spend)
    customer_pks, customer = customer_positions(customer_ids)
    return OrderHistory(
        customer_pks=customer_pks,
        customer=customer,
        day=days + EPOCH_ORDINAL,
        purchases=purchase.astype(np.float64),
        spend=np.where(purchase, spend, 0.0),
    )


def fetch_in_parallel(queries: list[tuple[str, int, list]]) -> list[np.ndarray]:
    """`fetch_numeric` of each (sql, width, params); on PostgreSQL outside a transaction, all at
    once on as many connections, in one REPEATABLE READ snapshot (daur.insights.parallel)."""
    with SharedSnapshot(enabled=len(queries) > 1, workers=max(1, len(queries) - 1)) as snapshot:
        others = [snapshot.run(fetch_numeric, *query) for query in queries[1:]]
        first = fetch_numeric(*queries[0])
        return [first, *(other() for other in others)]


def day_sql(moment: str) -> tuple[str, list]:
    """SQL for the day of a moment in the business's time zone, in days since 1970-01-01, with
    its parameters: Django's own TruncDate expression for the database in use."""
    tzname = timezone.get_current_timezone_name()
    local_date, params = connection.ops.datetime_cast_date_sql(moment, (), tzname)
    if connection.vendor == "postgresql":
        return f"(({local_date}) - DATE '1970-01-01')", list(params)
    return f"CAST(julianday({local_date}) - 2440587.5 AS INTEGER)", list(params)


def purchase_spend_sql() -> tuple[str, list]:
    """SQL for an order's amount in the base currency, NULL for a refund (amount < 0)."""
    real = "double precision" if connection.vendor == "postgresql" else "REAL"
    rates = list(exchange_rates().items())
    cases = " ".join(f"WHEN %s THEN CAST(%s AS {real})" for _ in rates)
    params = [value for code, rate in rates for value in (code, float(rate))]
    rate = f"(CASE o.currency {cases} ELSE CAST(1.0 AS {real}) END)"
    return f"CASE WHEN o.amount >= 0 THEN CAST(o.amount AS {real}) * {rate} END", params


def customer_positions(pks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct customer keys, ascending, and each row's position among them."""
    pks = pks.astype(np.int64)
    if not len(pks):
        return pks, pks
    low, high = int(pks.min()), int(pks.max())
    if high - low > 4 * len(pks) + 1_000_000:  # sparse keys: sorting beats a table of them
        return np.unique(pks, return_inverse=True)
    offset = pks - low
    present = np.zeros(high - low + 1, dtype=bool)
    present[offset] = True
    if present.all():  # every key in the range has rows: the offset is the position
        return np.arange(low, high + 1, dtype=np.int64), offset
    position = np.cumsum(present) - 1
    return np.flatnonzero(present) + low, position[offset]


def by_day_order(days: np.ndarray) -> np.ndarray:
    """A stable ordering of rows by day (a radix sort when the days span under 65,536)."""
    if not len(days):
        return np.zeros(0, dtype=np.int64)
    span = days - days.min()
    if span.max() < 2**16:
        span = span.astype(np.uint16)
    return np.argsort(span, kind="stable")
