"""Behaviour-change alerts of the RFM segments, with the membership each window started with.

A customer's RFM segment today already says what it did lately (a recent buyer scores R 5, one
that stopped scores R 1-2), so today's membership applied to the past would make a drop the
definition of "At Risk" and hide one among "Champions". Here each window's segment is the one
the customer had on the day before the window began, from its orders up to then and the run's
RFM cut-offs (run.cuts["rfm"]); it is compared with the same segment defined the same way at
earlier windows: how far a member's window usually falls from its own year before
(daur.analytics.alerts.anchored_drops), so a segment's usual decline (lapsing customers go on
lapsing) is its baseline, not news.

The order history is read once (daur.insights.alerts_history); the rest is numpy.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from daur.analytics.alerts import (
    BASELINE_DAYS,
    WINDOWS_DAYS,
    DropTestConfig,
    MemberWindows,
    anchor_offsets,
    anchored_drops,
    biggest_drops,
)
from daur.analytics.rfm import SEGMENTS
from daur.customers.models import Customer
from daur.insights.alerts_history import OrderHistory, order_history
from daur.insights.models import Alert, ScoringRun

KIND = "rfm_segment"
MAX_CUSTOMERS = 200


def rfm_alerts(
    *, run: ScoringRun, config: DropTestConfig, history: OrderHistory | None = None
) -> list[Alert]:
    """The significant drops of the RFM segments over each window (see the module's docstring).

    `history`, when given, holds the orders up to the run's day (alerts_history)."""
    edges = (run.cuts or {}).get("rfm")
    if not edges:  # the run scored no RFM (no cut-offs stored): no RFM segments to test
        return []
    if history is None:
        history = order_history(run.as_of)
    if not len(history.customer_pks):
        return []
    as_of = run.as_of.toordinal()
    segments = np.arange(len(SEGMENTS))
    found: list[Alert] = []
    codes_cache: dict[int, np.ndarray] = {}

    def codes(first_day: int) -> np.ndarray:  # membership as of the day before `first_day`
        if first_day not in codes_cache:
            codes_cache[first_day] = history.segments(first_day - 1, edges).astype(np.int8)
        return codes_cache[first_day]

    # Oldest first: the history counts each membership's orders on from the previous one's.
    for first_day in sorted(
        as_of - window_days + 1 - int(k)
        for window_days in WINDOWS_DAYS
        for k in (0, *anchor_offsets(window_days))
    ):
        codes(first_day)

    def per_segment(first_day: int, days: int) -> MemberWindows:
        # Customers in no segment are summed in a bin of their own, left out.
        code = codes(first_day).astype(np.intp)
        code[code < 0] = len(SEGMENTS)
        orders, spend = history.bought(first_day, days)
        scale = days / BASELINE_DAYS
        own_orders, own_spend = (
            x * scale for x in history.bought(first_day - BASELINE_DAYS, BASELINE_DAYS)
        )

        def total(weights: np.ndarray | None = None) -> np.ndarray:
            sums = np.bincount(code, weights=weights, minlength=len(SEGMENTS) + 1)
            return sums[: len(SEGMENTS)].astype(np.float64)

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
                    Alert.of_drop(
                        run=run,
                        segment_kind=KIND,
                        segment=SEGMENTS[i],
                        metric=metric,
                        window_days=window_days,
                        result=result,
                        index=i,
                        customer_count=int(now.members[i]),
                        customers=customers,
                    )
                )
    return found


def _behind(
    history: OrderHistory, member: np.ndarray, start: int, window_days: int, metric: str
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
