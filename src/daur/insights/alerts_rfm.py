"""Behaviour-change alerts of the RFM segments, with the membership each window started with.

A customer's RFM segment today already says what it did lately (a recent buyer scores R 5, one
that stopped scores R 1-2), so today's membership applied to the past would make a drop the
definition of "At Risk" and hide one among "Champions". Here each window's segment is the one
the customer had on the day before the window began, from its orders up to then and the run's
RFM cut-offs (run.cuts["rfm"]); it is compared with the same segment defined the same way at
earlier windows: how far a member's window usually falls from its own year before
(daur.analytics.alerts.anchored_drops), so a segment's usual decline (lapsing customers go on
lapsing) is its baseline, not news.

The order history is read once, aggregated per customer and day in SQL; the rest is numpy.
"""

from __future__ import annotations

import dataclasses
from array import array
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from daur.analytics.alerts import (
    BASELINE_DAYS,
    WINDOWS_DAYS,
    DropTestConfig,
    MemberWindows,
    anchor_offsets,
    anchored_drops,
    biggest_drops,
)
from daur.analytics.rfm import SEGMENTS, segment_codes_as_of
from daur.customers.models import Customer
from daur.insights.models import Alert, ScoringRun
from daur.insights.money import base_amount
from daur.insights.period import day_start
from daur.sales.models import Order

KIND = "rfm_segment"
FETCH_ROWS = 10_000
MAX_CUSTOMERS = 200


@dataclass(frozen=True)
class _History:
    """Orders per customer and day, sorted by customer then day (days as date ordinals)."""

    customer_pks: np.ndarray  # the customers' primary keys; `customer` indexes it
    customer: np.ndarray
    day: np.ndarray
    orders: np.ndarray  # every order, refunds included, as scoring counts them for RFM
    purchases: np.ndarray  # orders with a non-negative amount
    spend: np.ndarray  # their amount in the base currency

    def segments(self, as_of_day: int, edges) -> np.ndarray:  # noqa: ANN001
        return segment_codes_as_of(
            customer_index=self.customer,
            day=self.day,
            orders=self.orders,
            n_customers=len(self.customer_pks),
            as_of_day=as_of_day,
            edges=edges,
        )

    def bought(self, first_day: int, days: int) -> tuple[np.ndarray, np.ndarray]:
        """Per customer: purchases and spend over `days` days from `first_day`."""
        rows = (self.day >= first_day) & (self.day < first_day + days)
        n = len(self.customer_pks)
        return (
            np.bincount(self.customer[rows], weights=self.purchases[rows], minlength=n),
            np.bincount(self.customer[rows], weights=self.spend[rows], minlength=n),
        )


def _history(as_of: date) -> _History:
    purchase = Q(amount__gte=0)
    rows = (
        Order.objects.filter(ordered_at__lt=day_start(as_of + timedelta(days=1)))
        .annotate(day=TruncDate("ordered_at"))
        .values("customer_id", "day")
        .annotate(
            n=Count("id"),
            purchases=Count("id", filter=purchase),
            spend=Sum(base_amount(), filter=purchase),
        )
        .values_list("customer_id", "day", "n", "purchases", "spend")
        .order_by()
    )
    columns = (array("q"), array("q"), array("q"), array("q"), array("d"))  # compact, streamed
    for customer_id, day, n, purchases, spend in rows.iterator(chunk_size=FETCH_ROWS):
        for column, value in zip(
            columns, (customer_id, day.toordinal(), n, purchases, float(spend or 0.0)), strict=True
        ):
            column.append(value)
    customer_ids, days, orders, purchases, spend = (
        np.frombuffer(c, dtype=np.int64 if c.typecode == "q" else np.float64) for c in columns
    )
    pks, customer = np.unique(customer_ids, return_inverse=True)
    order = np.lexsort((days, customer))
    return _History(
        customer_pks=pks,
        customer=customer[order],
        day=days[order],
        orders=orders[order].astype(np.float64),
        purchases=purchases[order].astype(np.float64),
        spend=spend[order],
    )


def rfm_alerts(*, run: ScoringRun, config: DropTestConfig) -> list[Alert]:
    """The significant drops of the RFM segments over each window (see the module's docstring)."""
    edges = (run.cuts or {}).get("rfm")
    if not edges:  # the run scored no RFM (no cut-offs stored): no RFM segments to test
        return []
    history = _history(run.as_of)
    if not len(history.customer_pks):
        return []
    as_of = run.as_of.toordinal()
    segments = np.arange(len(SEGMENTS))
    found: list[Alert] = []
    codes_cache: dict[int, np.ndarray] = {}

    def codes(first_day: int) -> np.ndarray:  # membership as of the day before `first_day`
        if first_day not in codes_cache:
            codes_cache[first_day] = history.segments(first_day - 1, edges)
        return codes_cache[first_day]

    def per_segment(first_day: int, days: int) -> MemberWindows:
        code = codes(first_day)
        member = code >= 0
        code = code[member]
        orders, spend = (x[member] for x in history.bought(first_day, days))
        scale = days / BASELINE_DAYS
        own_orders, own_spend = (
            x[member] * scale for x in history.bought(first_day - BASELINE_DAYS, BASELINE_DAYS)
        )

        def total(weights: np.ndarray | None = None) -> np.ndarray:
            return np.bincount(code, weights=weights, minlength=len(SEGMENTS)).astype(np.float64)

        return MemberWindows(
            members=total(),
            orders=total(orders),
            spend=total(spend),
            own_orders=total(own_orders),
            own_spend=total(own_spend),
            spend_squares=total(spend**2),
            spend_cross=total(spend * own_spend),
            own_spend_squares=total(own_spend**2),
        )

    for window_days in WINDOWS_DAYS:
        start = as_of - window_days + 1
        now = per_segment(start, window_days)
        earlier = [per_segment(start - k, window_days) for k in anchor_offsets(window_days)]
        anchors = MemberWindows(
            **{
                f.name: sum(getattr(e, f.name) for e in earlier)
                for f in dataclasses.fields(MemberWindows)
            }
        )
        tests = anchored_drops(now=now, anchors=anchors, config=config)
        for metric, result in zip(("orders", "spend"), tests, strict=True):
            for i in segments[result.significant]:
                customers = _behind(history, codes(start) == i, start, window_days, metric)
                found.append(
                    Alert(
                        run=run,
                        as_of=run.as_of,
                        segment_kind=KIND,
                        segment=SEGMENTS[i],
                        metric=metric,
                        window_days=window_days,
                        expected=float(result.expected[i]),
                        observed=float(result.observed[i]),
                        change=float(result.change[i]),
                        p_value=float(result.p_value[i]),
                        customer_count=int(now.members[i]),
                        customers=customers,
                    )
                )
    return found


def _behind(
    history: _History, member: np.ndarray, start: int, window_days: int, metric: str
) -> list[str]:
    """The members whose own window fell furthest below their 365 days before it."""
    measure = 0 if metric == "orders" else 1
    window = history.bought(start, window_days)[measure][member]
    baseline = history.bought(start - BASELINE_DAYS, BASELINE_DAYS)[measure][member]
    pks = history.customer_pks[member]
    picked = pks[
        biggest_drops(
            window=window,
            baseline=baseline,
            window_days=window_days,
            baseline_days=BASELINE_DAYS,
            limit=MAX_CUSTOMERS,
        )
    ]
    external = dict(
        Customer.objects.filter(pk__in=picked.tolist()).values_list("pk", "external_id")
    )
    return [external[pk] for pk in picked.tolist()]
