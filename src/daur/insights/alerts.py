"""Behaviour-change alerts (SPEC §1.7): `alerts_detect` tests every segment after a scoring run.

Segments: each customer type of the run's scores, each market (country and city) and each
reseller: orders and spend per segment and day over the windows (the last 30 and 90 days up to
the run's as-of date) and their baselines (the 365 days before each window), summed in numpy
from the order history read once (daur.insights.alerts_history). The RFM segments, whose
membership changes with the very orders tested, take each customer's segment as of each
window's start (daur.insights.alerts_rfm). daur.analytics.alerts decides which drops are
significant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from daur.analytics.alerts import (
    BASELINE_DAYS,
    WINDOWS_DAYS,
    DropTestConfig,
    biggest_drops,
    order_drops,
    spend_drops,
)
from daur.analytics.typology import TYPE_LABELS
from daur.customers.models import Customer
from daur.db import dialect
from daur.db.numeric import fetch_factorized, fetch_numeric
from daur.db.snapshot import can_fetch_in_parallel, run_beside
from daur.insights.alerts_history import (
    EPOCH_ORDINAL,
    ExternalOrder,
    OrderHistory,
    OrderRows,
    customer_positions,
    fetch_orders,
    history_of,
    purchase_spend_sql,
)
from daur.insights.alerts_rfm import rfm_alerts
from daur.insights.models import Alert, ScoringRun
from daur.insights.period import day_start

SEGMENT_KINDS = ("rfm_segment", "type", "market", "reseller")
DAILY_KINDS = ("type", "market", "reseller")  # today's membership applied to the past
MAX_CUSTOMERS = 200
HORIZON_DAYS = max(WINDOWS_DAYS) + BASELINE_DAYS


def alert_config() -> DropTestConfig:
    return DropTestConfig(
        p_value=settings.DAUR_ALERT_P_VALUE,
        min_drop=settings.DAUR_ALERT_MIN_DROP,
        min_expected=settings.DAUR_ALERT_MIN_EXPECTED,
    )


# What a segment's members did in a window and its baseline, one entry per customer:
# (the customers' keys, the window's figure, the baseline's) for a metric and a window length.
Behind = Callable[[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class _Daily:
    """Purchases and spend per segment (rows) and day (columns, the horizon's first day = 0)."""

    keys: list  # the segment's key: a type bit, (country, city) or a reseller pk
    orders: np.ndarray
    spend: np.ndarray
    labels: list[str]
    customer_counts: list[int]
    behind: list[Behind]  # per segment


@dataclass(frozen=True)
class _Lookups:
    type_bits: np.ndarray  # (customer pk, its type bits) of the scores with a type
    markets: tuple[np.ndarray, np.ndarray, list[tuple[str, str]]]  # see _markets
    ranks: ExternalOrder

    @classmethod
    def read(cls) -> _Lookups:
        return cls(
            type_bits=fetch_numeric(
                "SELECT customer_id, type_bits FROM insights_customerscore WHERE type_bits > 0", 2
            ).astype(np.int64),
            markets=_markets(),
            # The whole table's order only where it costs no wait (read beside the history).
            ranks=ExternalOrder(read=can_fetch_in_parallel()),
        )


def alerts_detect(
    *, run: ScoringRun, config: DropTestConfig | None = None, orders: OrderRows | None = None
) -> list[Alert]:
    """Test every segment, close the alerts of the previous runs and store the new ones.

    `orders`: the run's orders as scoring read them (`run.order_rows`), else read here."""
    if run.as_of is None:
        return []
    config = config or alert_config()
    rows = orders if orders is not None else fetch_orders(run.as_of)  # PostgreSQL: both cores
    # Who is in which type and market and the order of the external ids: read on another
    # connection while numpy sorts the orders and tests the RFM segments.
    lookups = run_beside(_Lookups.read)
    history = history_of(rows)
    found: list[Alert] = rfm_alerts(run=run, config=config, history=history)
    looked_up = lookups()
    for kind in DAILY_KINDS:
        daily = _DAILY[kind](history, run, looked_up)
        for window_days in WINDOWS_DAYS:
            found += _alerts_of(kind, daily, window_days, run, config, looked_up.ranks)
    with transaction.atomic():
        # Every run re-tests every segment: an alert stays open until the next run.
        Alert.objects.filter(
            status=Alert.Status.OPEN,
            segment_kind__in=SEGMENT_KINDS,
            window_days__in=WINDOWS_DAYS,
        ).update(status=Alert.Status.CLOSED)
        return Alert.objects.bulk_create(found)


def _horizon(history: OrderHistory, run: ScoringRun) -> tuple[int, slice]:
    first_day = run.as_of.toordinal() - HORIZON_DAYS + 1
    return first_day, history.rows(first_day, HORIZON_DAYS)


def _per_day(segment: np.ndarray, day: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Sums of `weights` per segment (rows, 0..n-1) and horizon day (columns)."""
    cells = np.bincount(segment * HORIZON_DAYS + day, weights=weights, minlength=n * HORIZON_DAYS)
    return cells.reshape(n, HORIZON_DAYS)


def _customers_behind(history: OrderHistory, run: ScoringRun, member: np.ndarray) -> Behind:
    """Members' own purchases (all of them, whoever they bought through) from the history."""

    def behind(metric: str, window_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        measure = 0 if metric == "orders" else 1
        start = run.as_of.toordinal() - window_days + 1
        window = history.bought(start, window_days)[measure]
        baseline = history.bought(start - BASELINE_DAYS, BASELINE_DAYS)[measure]
        return history.customer_pks[member], window[member], baseline[member]

    return behind


def _type_daily(history: OrderHistory, run: ScoringRun, lookups: _Lookups) -> _Daily:
    """Each type of the run's scores: its customers' purchases (a customer counts in each of
    its types)."""
    scores = lookups.type_bits
    bits = np.zeros(history.n_customers, dtype=np.int64)
    position = np.searchsorted(history.customer_pks, scores[:, 0])
    known = position < history.n_customers
    known[known] = history.customer_pks[position[known]] == scores[known, 0]
    bits[position[known]] = scores[known, 1]
    first_day, rows = _horizon(history, run)
    customer, day = history.customer[rows], history.day[rows] - first_day
    purchases, spend = history.purchases[rows], history.spend[rows]
    keys, orders, spends, counts, behind = [], [], [], [], []
    for i in range(len(TYPE_LABELS)):
        member = (bits & (1 << i)) > 0
        in_type = member[customer]
        daily_orders = np.bincount(day[in_type], purchases[in_type], minlength=HORIZON_DAYS)
        if not daily_orders.any():  # no purchase in the horizon: not a segment to test
            continue
        keys.append(i)
        orders.append(daily_orders)
        spends.append(np.bincount(day[in_type], spend[in_type], minlength=HORIZON_DAYS))
        counts.append(int(((scores[:, 1] & (1 << i)) > 0).sum()))
        behind.append(_customers_behind(history, run, member))
    return _Daily(
        keys=keys,
        orders=np.array(orders).reshape(len(keys), HORIZON_DAYS),
        spend=np.array(spends).reshape(len(keys), HORIZON_DAYS),
        labels=[TYPE_LABELS[i] for i in keys],
        customer_counts=counts,
        behind=behind,
    )


def _market_daily(history: OrderHistory, run: ScoringRun, lookups: _Lookups) -> _Daily:
    """Each market (country and city, both set): its customers' purchases."""
    pks, market, markets = lookups.markets
    of_customer = np.full(history.n_customers, -1, dtype=np.int64)
    position = np.searchsorted(history.customer_pks, pks)
    known = position < history.n_customers
    known[known] = history.customer_pks[position[known]] == pks[known]
    of_customer[position[known]] = market[known]
    first_day, rows = _horizon(history, run)
    segment = of_customer[history.customer[rows]]
    in_market = segment >= 0
    day = history.day[rows][in_market] - first_day
    segment = segment[in_market]
    orders = _per_day(segment, day, history.purchases[rows][in_market], len(markets))
    spend = _per_day(segment, day, history.spend[rows][in_market], len(markets))
    # Markets in Python's order of (country, city), as sorted keys; those without a purchase in
    # the horizon are no segment to test.
    kept = [i for i in sorted(range(len(markets)), key=markets.__getitem__) if orders[i].any()]
    customer_counts = np.bincount(market, minlength=len(markets))
    return _Daily(
        keys=[markets[i] for i in kept],
        orders=orders[kept],
        spend=spend[kept],
        labels=[f"{markets[i][1]}, {markets[i][0]}" for i in kept],
        customer_counts=[int(customer_counts[i]) for i in kept],
        behind=[_customers_behind(history, run, of_customer == i) for i in kept],
    )


def _markets() -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]]]:
    """The customers with a market (country and city), their market's index and the markets."""
    return fetch_factorized(
        "customers_customer", "id", ("country", "city"), "country > '' AND city > ''"
    )


def _reseller_daily(history: OrderHistory, run: ScoringRun, lookups: _Lookups) -> _Daily:
    """Each reseller: the purchases through it (customers: those who bought through it)."""
    first_day = run.as_of.toordinal() - HORIZON_DAYS + 1
    day, spend = dialect.local_day("o.ordered_at"), purchase_spend_sql()
    start = day_start(run.as_of - timedelta(days=HORIZON_DAYS - 1))
    end = day_start(run.as_of + timedelta(days=1))
    rows = fetch_numeric(
        f"SELECT o.reseller_id, o.customer_id, {day}, {spend} FROM sales_order o "
        "WHERE o.reseller_id IS NOT NULL AND o.amount >= 0 "
        "AND o.ordered_at >= %s AND o.ordered_at < %s",
        4,
        [
            connection.ops.adapt_datetimefield_value(start),
            connection.ops.adapt_datetimefield_value(end),
        ],
    )
    resellers, reseller = customer_positions(rows[:, 0])
    customer = rows[:, 1].astype(np.int64)
    day_of = rows[:, 2].astype(np.int64) + EPOCH_ORDINAL - first_day
    spend_of = rows[:, 3]
    n = len(resellers)
    external = dict(
        Customer.objects.filter(pk__in=resellers.tolist()).values_list("pk", "external_id")
    )
    behind = []
    counts = []
    for i in range(n):
        through = reseller == i
        counts.append(len(np.unique(customer[through])))
        behind.append(_through(customer[through], day_of[through], spend_of[through]))
    return _Daily(
        keys=resellers.tolist(),
        orders=_per_day(reseller, day_of, np.ones(len(rows)), n),
        spend=_per_day(reseller, day_of, spend_of, n),
        labels=[external[pk] for pk in resellers.tolist()],
        customer_counts=counts,
        behind=behind,
    )


def _through(customer: np.ndarray, day: np.ndarray, spend: np.ndarray) -> Behind:
    """Per customer, its purchases through one reseller (days from the horizon's first)."""
    pks, position = customer_positions(customer)

    def behind(metric: str, window_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        weights = np.ones(len(day)) if metric == "orders" else spend
        start = HORIZON_DAYS - window_days
        in_window = day >= start
        in_baseline = (day >= start - BASELINE_DAYS) & ~in_window
        return (
            pks,
            np.bincount(position[in_window], weights[in_window], minlength=len(pks)),
            np.bincount(position[in_baseline], weights[in_baseline], minlength=len(pks)),
        )

    return behind


_DAILY: dict[str, Callable[[OrderHistory, ScoringRun, _Lookups], _Daily]] = {
    "type": _type_daily,
    "market": _market_daily,
    "reseller": _reseller_daily,
}


def _alerts_of(
    kind: str,
    daily: _Daily,
    window_days: int,
    run: ScoringRun,
    config: DropTestConfig,
    ranks: ExternalOrder,
) -> list[Alert]:
    if not daily.keys:
        return []
    horizon = daily.orders.shape[1]
    window = slice(horizon - window_days, horizon)
    baseline = slice(horizon - window_days - BASELINE_DAYS, horizon - window_days)
    baseline_orders = daily.orders[:, baseline].sum(axis=1)
    tests = {
        "orders": order_drops(
            window_orders=daily.orders[:, window].sum(axis=1),
            baseline_orders=baseline_orders,
            window_days=window_days,
            config=config,
        ),
        "spend": spend_drops(
            window_spend=daily.spend[:, window].sum(axis=1),
            baseline_daily_sum=daily.spend[:, baseline].sum(axis=1),
            baseline_daily_sum_squares=(daily.spend[:, baseline] ** 2).sum(axis=1),
            baseline_orders=baseline_orders,
            window_days=window_days,
            config=config,
        ),
    }
    alerts = []
    for metric, result in tests.items():
        for i in np.flatnonzero(result.significant):
            pks, window_figures, baseline_figures = daily.behind[i](metric, window_days)
            alerts.append(
                Alert.of_drop(
                    run=run,
                    segment_kind=kind,
                    segment=daily.labels[i],
                    metric=metric,
                    window_days=window_days,
                    result=result,
                    index=i,
                    customer_count=daily.customer_counts[i],
                    customers=_biggest_drops(
                        pks, window_figures, baseline_figures, window_days, ranks
                    ),
                )
            )
    return alerts


def _biggest_drops(
    pks: np.ndarray,
    window: np.ndarray,
    baseline: np.ndarray,
    window_days: int,
    ranks: ExternalOrder,
) -> list[str]:
    """The external ids of the customers whose window fell furthest below their scaled
    baseline; equal shortfalls in the order of their external ids (as the database sorts)."""
    shortfall = baseline * (window_days / BASELINE_DAYS) - window
    dropped = shortfall > 0  # only those can be picked: no need of their external ids' order
    pks, window, baseline = pks[dropped], window[dropped], baseline[dropped]
    picked = biggest_drops(
        window=window,
        baseline=baseline,
        window_days=window_days,
        baseline_days=BASELINE_DAYS,
        limit=MAX_CUSTOMERS,
        tie_rank=ranks.of(pks),
    )
    external = dict(
        Customer.objects.filter(pk__in=pks[picked].tolist()).values_list("pk", "external_id")
    )
    return [external[pk] for pk in pks[picked].tolist()]
