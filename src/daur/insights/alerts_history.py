"""The order history the alerts read, as numpy columns: one row per order, sorted by day.

Every order up to the run's day is read with `daur.db.numeric.fetch_numeric` (on PostgreSQL double
precision arrays, not rows through the ORM; the table's two halves read at once on two
connections in one snapshot): the customer, the local day (`daur.db.dialect.local_day`, the day
scoring gives an order) and, for a purchase (amount >= 0), its amount in the base currency
(`daur.definitions.currency`, as the KPIs and scoring convert it).

Rows sorted by day make any span of days a slice, so a per-customer sum over a window is one
bincount over that window's rows, and the orders up to a day a prefix. `ExternalOrder` ranks the
customers behind an alert by external id, as the database sorts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

import numpy as np
from django.db import connection

from daur.analytics.rfm import segment_codes
from daur.customers.models import Customer
from daur.db import dialect
from daur.db.numeric import Packing, fetch_numeric
from daur.db.snapshot import fetch_in_halves
from daur.definitions import currency
from daur.insights.period import day_start

T = TypeVar("T")
KEPT_SPANS = 16  # per-customer sums kept by OrderHistory.bought (16 MB each per million)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
FEW_CUSTOMERS = 10_000  # ranked by external id in one query; more: the whole table at once
# The customer and the day in one number: customer_id x 2^17 + days since 1970 + 2^16 (days
# from 1790 to 2149), exact in a double for customer keys under 2^36.
CUSTOMER_DAY = Packing(bits=17, shift=2**16)


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
    packed: bool  # column 0 holds CUSTOMER_DAY(customer, day), column 1 the spend


def fetch_orders(as_of: date) -> OrderRows:
    """Every order up to the end of `as_of`: customer, day and spend (NaN for a refund)."""
    day, spend = dialect.local_day("o.ordered_at"), purchase_spend_sql()
    end = connection.ops.adapt_datetimefield_value(day_start(as_of + timedelta(days=1)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM customers_customer")
        most = cursor.fetchone()[0] or 0
    packed = CUSTOMER_DAY.fits(most)  # one array less to build and send
    if packed:
        columns, width = f"{CUSTOMER_DAY.sql('o.customer_id', day)}, {spend}", 2
    else:
        columns, width = f"o.customer_id, {day}, {spend}", 3
    sql = f"SELECT {columns} FROM sales_order o WHERE o.ordered_at < %s"
    parts = fetch_in_halves(sql, width, [end], table="sales_order", alias="o")
    return OrderRows(parts=parts, packed=packed)


def history_of(rows: OrderRows) -> OrderHistory:
    """The rows sorted by day, customers as positions among their keys."""
    first = np.concatenate([part[:, 0] for part in rows.parts]).astype(np.int64)
    spend = np.concatenate([part[:, -1] for part in rows.parts])
    if rows.packed:
        days = CUSTOMER_DAY.low(first)
    else:
        days = np.concatenate([part[:, 1] for part in rows.parts]).astype(np.int64)
    by_day = by_day_order(days)
    if rows.packed:
        key = first[by_day]
        customer_ids, days = CUSTOMER_DAY.high(key), CUSTOMER_DAY.low(key)
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


def purchase_spend_sql() -> str:
    """SQL for an order's amount in the base currency, NULL for a refund (amount < 0)."""
    return f"CASE WHEN o.amount >= 0 THEN {currency.base_amount_sql('o.amount', 'o.currency')} END"


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


class ExternalOrder:
    """Each customer's rank by external id in the database's order: of the whole table, read
    once (at once with `read`, else when more than FEW_CUSTOMERS are asked about)."""

    def __init__(self, *, read: bool = False) -> None:
        self.rank: np.ndarray | None = None
        self.pks: np.ndarray | None = None  # when `rank` follows sorted keys, not offsets
        if read:
            self._read()

    def _read(self) -> None:
        ordered = fetch_numeric(
            "SELECT id, ROW_NUMBER() OVER (ORDER BY external_id) FROM customers_customer", 2
        ).astype(np.int64)
        pks, rank = ordered[:, 0], ordered[:, 1]
        self.low = int(pks.min()) if len(pks) else 0
        if len(pks) and int(pks.max()) - self.low <= 4 * len(pks) + 1_000_000:
            self.rank = np.zeros(int(pks.max()) - self.low + 1, dtype=np.int64)
            self.rank[pks - self.low] = rank  # a rank per key, looked up by offset
            self.pks = None
        else:
            by_pk = np.argsort(pks)
            self.pks, self.rank = pks[by_pk], rank[by_pk]

    def of(self, pks: np.ndarray) -> np.ndarray:
        if len(pks) <= 1:
            return np.zeros(len(pks), dtype=np.int64)
        if self.rank is None and len(pks) <= FEW_CUSTOMERS:
            ordered = list(
                Customer.objects.filter(pk__in=pks.tolist())
                .order_by("external_id")
                .values_list("pk", flat=True)
            )
            rank = dict(zip(ordered, range(len(ordered)), strict=True))
            return np.array([rank[pk] for pk in pks.tolist()], dtype=np.int64)
        if self.rank is None:
            self._read()
        if self.pks is None:
            return self.rank[pks - self.low]
        return self.rank[np.searchsorted(self.pks, pks)]
