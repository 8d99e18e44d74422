"""Behaviour-change alerts (SPEC §1.7): `alerts_detect` tests every segment after a scoring run.

Segments: each customer type of the run's scores, each market (country and city) and each
reseller: orders and spend are summed in SQL per segment and day over the windows (the last 30
and 90 days up to the run's as-of date) and their baselines (the 365 days before each window).
The RFM segments, whose membership changes with the very orders tested, take each customer's
segment as of each window's start (daur.insights.alerts_rfm). daur.analytics.alerts decides
which drops are significant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from daur.analytics.alerts import (
    BASELINE_DAYS,
    WINDOWS_DAYS,
    DropTestConfig,
    DropTests,
    biggest_drops,
    order_drops,
    spend_drops,
)
from daur.analytics.typology import TYPE_LABELS
from daur.customers.models import Customer
from daur.insights.alerts_rfm import rfm_alerts
from daur.insights.models import Alert, CustomerScore, ScoringRun
from daur.insights.money import base_amount
from daur.insights.period import day_start
from daur.sales.models import Order

SEGMENT_KINDS = ("rfm_segment", "type", "market", "reseller")
DAILY_KINDS = ("type", "market", "reseller")  # today's membership, summed per day in SQL
MAX_CUSTOMERS = 200


def alert_config() -> DropTestConfig:
    return DropTestConfig(
        p_value=settings.DAUR_ALERT_P_VALUE,
        min_drop=settings.DAUR_ALERT_MIN_DROP,
        min_expected=settings.DAUR_ALERT_MIN_EXPECTED,
    )


@dataclass(frozen=True)
class _Daily:
    """Orders and spend per segment (rows) and day (columns, the first day of the horizon = 0)."""

    keys: list  # the segment's key: a label, a type bit, (country, city) or a reseller pk
    orders: np.ndarray
    spend: np.ndarray


def alerts_detect(*, run: ScoringRun, config: DropTestConfig | None = None) -> list[Alert]:
    """Test every segment, close the alerts of the previous runs and store the new ones."""
    if run.as_of is None:
        return []
    config = config or alert_config()
    horizon_days = max(WINDOWS_DAYS) + BASELINE_DAYS
    first_day = run.as_of - timedelta(days=horizon_days - 1)
    orders = Order.objects.filter(
        amount__gte=0,
        ordered_at__gte=day_start(first_day),
        ordered_at__lt=day_start(run.as_of + timedelta(days=1)),
    )
    found: list[Alert] = rfm_alerts(run=run, config=config)
    for kind in DAILY_KINDS:
        daily = _daily(kind, orders, first_day, horizon_days)
        for window_days in WINDOWS_DAYS:
            found += _alerts_of(kind, daily, window_days, run, config, orders)
    with transaction.atomic():
        # Every run re-tests every segment: an alert stays open until the next run.
        Alert.objects.filter(
            status=Alert.Status.OPEN,
            segment_kind__in=SEGMENT_KINDS,
            window_days__in=WINDOWS_DAYS,
        ).update(status=Alert.Status.CLOSED)
        return Alert.objects.bulk_create(found)


def _segment_fields(kind: str) -> tuple[str, ...]:
    return {
        "type": ("customer__score__type_bits",),
        "market": ("customer__country", "customer__city"),
        "reseller": ("reseller_id",),
    }[kind]


def _in_kind(kind: str) -> Q:
    return {
        "type": Q(customer__score__type_bits__gt=0),
        "market": Q(customer__country__gt="", customer__city__gt=""),
        "reseller": Q(reseller__isnull=False),
    }[kind]


def _daily(kind: str, orders: QuerySet, first_day: date, horizon_days: int) -> _Daily:
    fields = _segment_fields(kind)
    rows = (
        orders.filter(_in_kind(kind))
        .annotate(day=TruncDate("ordered_at"))
        .values(*fields, "day")
        .annotate(n=Count("id"), spend=Sum(base_amount()))
        .order_by()
    )
    cells: dict = {}
    for row in rows:
        key = row[fields[0]] if len(fields) == 1 else tuple(row[f] for f in fields)
        offset = (row["day"] - first_day).days
        # A type key is a bit mask: its orders count in each of its labels.
        labels = range(len(TYPE_LABELS)) if kind == "type" else ()
        for k in [i for i in labels if key & (1 << i)] if kind == "type" else [key]:
            cells.setdefault(k, []).append((offset, row["n"], float(row["spend"] or 0.0)))
    keys = sorted(cells)
    order_matrix = np.zeros((len(keys), horizon_days))
    spend_matrix = np.zeros((len(keys), horizon_days))
    for i, k in enumerate(keys):
        offsets, counts, spends = (np.array(c) for c in zip(*cells[k]))
        offsets = offsets.astype(np.int64)
        np.add.at(order_matrix[i], offsets, counts)
        np.add.at(spend_matrix[i], offsets, spends)
    return _Daily(keys=keys, orders=order_matrix, spend=spend_matrix)


def _alerts_of(
    kind: str,
    daily: _Daily,
    window_days: int,
    run: ScoringRun,
    config: DropTestConfig,
    orders: QuerySet,
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
            alerts.append(
                _alert(kind, daily.keys[i], metric, window_days, result, int(i), run, orders)
            )
    return alerts


def _alert(
    kind: str,
    key,  # noqa: ANN001 - see _Daily.keys
    metric: str,
    window_days: int,
    tests: DropTests,
    i: int,
    run: ScoringRun,
    orders: QuerySet,
) -> Alert:
    members, count, label = _members(kind, key, orders)
    window_start = day_start(run.as_of - timedelta(days=window_days - 1))
    baseline_start = day_start(run.as_of - timedelta(days=window_days + BASELINE_DAYS - 1))
    now, before = Q(ordered_at__gte=window_start), Q(ordered_at__lt=window_start)
    measure: Callable = Count if metric == "orders" else Sum
    value = "id" if metric == "orders" else base_amount()
    per_customer = list(
        members.filter(ordered_at__gte=baseline_start)
        .values("customer__external_id")
        .annotate(window=measure(value, filter=now), baseline=measure(value, filter=before))
        .order_by("customer__external_id")
    )
    picked = biggest_drops(
        window=np.array([r["window"] or 0.0 for r in per_customer], dtype=np.float64),
        baseline=np.array([r["baseline"] or 0.0 for r in per_customer], dtype=np.float64),
        window_days=window_days,
        baseline_days=BASELINE_DAYS,
        limit=MAX_CUSTOMERS,
    )
    return Alert(
        run=run,
        as_of=run.as_of,
        segment_kind=kind,
        segment=label,
        metric=metric,
        window_days=window_days,
        expected=float(tests.expected[i]),
        observed=float(tests.observed[i]),
        change=float(tests.change[i]),
        p_value=float(tests.p_value[i]),
        customer_count=count,
        customers=[per_customer[j]["customer__external_id"] for j in picked],
    )


def _members(kind: str, key, orders: QuerySet) -> tuple[QuerySet, int, str]:  # noqa: ANN001
    """The segment's orders, how many customers it has and its label."""
    if kind == "type":
        bit = 1 << key
        in_type = CustomerScore.objects.annotate(bit=F("type_bits").bitand(bit)).filter(bit__gt=0)
        return (
            orders.filter(customer__in=in_type.values("customer_id")),
            in_type.count(),
            TYPE_LABELS[key],
        )
    if kind == "market":
        country, city = key
        count = Customer.objects.filter(country=country, city=city).count()
        in_market = orders.filter(customer__country=country, customer__city=city)
        return in_market, count, f"{city}, {country}"
    through = orders.filter(reseller_id=key)
    reseller = Customer.objects.get(pk=key).external_id
    return through, through.values("customer_id").distinct().count(), reseller
