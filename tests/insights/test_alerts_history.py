"""The alerts' order history and the customers behind an alert, against per-customer queries.

The history is read once as numpy columns and every per-customer figure is a bincount over it;
here the same figures come from the ORM, one query each (as the alerts computed them before),
on a small base with refunds, two currencies, a business time zone east of UTC (orders late in
the UTC evening fall on the next local day), a reseller, and customers whose keys run against
the order of their external ids (ties between equal shortfalls go by external id).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate

from daur.analytics.alerts import BASELINE_DAYS, DropTestConfig, biggest_drops
from daur.analytics.rfm import segment_codes_as_of
from daur.analytics.typology import TYPE_LABELS
from daur.customers.models import Customer
from daur.definitions.currency import base_amount
from daur.insights.alerts import alerts_detect
from daur.insights.alerts_history import order_history
from daur.insights.models import CustomerScore, ScoringRun
from daur.insights.period import day_start
from daur.sales.models import Order

from .factories import customer, order, score

AS_OF = date(2026, 6, 30)
CUTS = {"rfm": {"r": [-100_000.0, -180.0, -90.0, -60.0, -30.0], "f": [1.0, 2.0, 3.0, 4.0, 5.0]}}
LOOSE = DropTestConfig(p_value=0.99, min_drop=0.0, min_expected=0.0)


@pytest.fixture
def business(settings):
    """Twelve customers created in reverse order of their external ids, in two markets; half
    of them loyal; a reseller. Each buys every `gap` days over the last 500 days, most stop
    in the last 40; some pay in EUR, some orders are refunds, some buy through the reseller."""
    settings.TIME_ZONE = "Asia/Jakarta"
    settings.DAUR_EXCHANGE_RATES = {"EUR": 17500.0}
    reseller = customer("R-1")
    members = [
        customer(f"C{i:02d}", country="ID", city="Bandung" if i % 2 else "Medan")
        for i in reversed(range(12))
    ]
    for n, who in enumerate(members):
        if n % 2 == 0:
            score(who, types="loyal", type_bits=1)
        gap = 5 + n % 3  # equal patterns: equal shortfalls, ties
        stop = 40 if n % 4 else 0
        for back in range(stop, 500, gap):
            day = (AS_OF - timedelta(days=back)).isoformat()
            order(
                who,
                day,
                100 + n if back % 3 else 7.5,
                currency="EUR" if n % 5 == 0 else "IDR",
                reseller=reseller if n % 3 == 0 else None,
                hour=23 if back % 2 else 3,  # 23:00 UTC is the next day in Jakarta
            )
        order(who, (AS_OF - timedelta(days=100 + n)).isoformat(), -50)  # a refund
    return ScoringRun.objects.create(as_of=AS_OF, status=ScoringRun.Status.SUCCEEDED, cuts=CUTS)


@pytest.mark.django_db
def test_the_history_sums_and_memberships_are_those_of_per_customer_queries(business):
    history = order_history(AS_OF)
    purchases = Q(amount__gte=0)
    for first, days in ((AS_OF - timedelta(days=29), 30), (AS_OF - timedelta(days=394), 365)):
        rows = (
            Order.objects.filter(
                ordered_at__gte=day_start(first),
                ordered_at__lt=day_start(first + timedelta(days=days)),
            )
            .values("customer_id")
            .annotate(n=Count("id", filter=purchases), spend=Sum(base_amount(), filter=purchases))
        )
        count, spend = history.bought(first.toordinal(), days)
        at = {int(pk): i for i, pk in enumerate(history.customer_pks)}
        assert {r["customer_id"]: r["n"] for r in rows if r["n"]} == {
            int(pk): count[at[pk]] for pk in history.customer_pks if count[at[pk]]
        }
        for r in rows:
            assert spend[at[r["customer_id"]]] == pytest.approx(r["spend"] or 0.0)
    # Memberships from rows per customer and local day, counted the straightforward way
    days = (
        Order.objects.annotate(day=TruncDate("ordered_at"))
        .values("customer_id", "day")
        .annotate(n=Count("id"))
        .order_by("customer_id", "day")
    )
    pks = history.customer_pks.tolist()
    rows = [(pks.index(r["customer_id"]), r["day"].toordinal(), r["n"]) for r in days]
    customer_index, day, n = (np.array(c) for c in zip(*rows, strict=True))
    for as_of_day in (AS_OF.toordinal() - k for k in (0, 30, 41, 200, 450)):
        expected = segment_codes_as_of(
            customer_index=customer_index,
            day=day,
            orders=n,
            n_customers=len(pks),
            as_of_day=as_of_day,
            edges=CUTS["rfm"],
        )
        assert history.segments(as_of_day, CUTS["rfm"]).tolist() == expected.tolist()


@pytest.mark.django_db
def test_the_customers_behind_each_alert_are_those_per_customer_queries_pick(business):
    alerts = alerts_detect(run=business, config=LOOSE)

    kinds = {a.segment_kind for a in alerts}
    assert {"type", "market", "reseller"} <= kinds
    for alert in alerts:
        if alert.segment_kind == "rfm_segment":
            continue
        customers, count = reference_customers(alert)
        assert alert.customers == customers, (alert.segment_kind, alert.segment, alert.metric)
        assert alert.customer_count == count
    # Equal shortfalls are many here: they go by external id, not by key
    assert any(a.customers != sorted(a.customers) and len(a.customers) > 2 for a in alerts)


def reference_customers(alert) -> tuple[list[str], int]:  # noqa: ANN001
    """The customers behind an alert as a query per alert computes them (the former way)."""
    horizon = 90 + BASELINE_DAYS
    orders = Order.objects.filter(
        amount__gte=0,
        ordered_at__gte=day_start(AS_OF - timedelta(days=horizon - 1)),
        ordered_at__lt=day_start(AS_OF + timedelta(days=1)),
    )
    if alert.segment_kind == "type":
        bit = 1 << TYPE_LABELS.index(alert.segment)
        in_type = CustomerScore.objects.annotate(b=F("type_bits").bitand(bit)).filter(b__gt=0)
        members, count = orders.filter(customer__in=in_type.values("customer_id")), in_type.count()
    elif alert.segment_kind == "market":
        city, country = alert.segment.split(", ")
        members = orders.filter(customer__country=country, customer__city=city)
        count = Customer.objects.filter(country=country, city=city).count()
    else:
        members = orders.filter(reseller__external_id=alert.segment)
        count = members.values("customer_id").distinct().count()
    window_days = alert.window_days
    window_start = day_start(AS_OF - timedelta(days=window_days - 1))
    baseline_start = day_start(AS_OF - timedelta(days=window_days + BASELINE_DAYS - 1))
    now, before = Q(ordered_at__gte=window_start), Q(ordered_at__lt=window_start)
    if alert.metric == "orders":
        measures = {"window": Count("id", filter=now), "baseline": Count("id", filter=before)}
    else:
        measures = {
            "window": Sum(base_amount(), filter=now),
            "baseline": Sum(base_amount(), filter=before),
        }
    rows = list(
        members.filter(ordered_at__gte=baseline_start)
        .values("customer__external_id")
        .annotate(**measures)
        .order_by("customer__external_id")
    )
    picked = biggest_drops(
        window=np.array([r["window"] or 0.0 for r in rows]),
        baseline=np.array([r["baseline"] or 0.0 for r in rows]),
        window_days=window_days,
        baseline_days=BASELINE_DAYS,
        limit=200,
    )
    return [rows[j]["customer__external_id"] for j in picked], count


@pytest.mark.django_db(transaction=True)
def test_the_history_read_on_two_connections_is_the_one_read_on_one(business):
    """Outside a transaction (on PostgreSQL) the orders are read in two halves at once."""
    apart = order_history(AS_OF)
    with transaction.atomic():
        together = order_history(AS_OF)
    assert np.array_equal(apart.customer_pks, together.customer_pks)

    def rows(history):  # noqa: ANN001, ANN202 - within a day, rows come in any order
        columns = (history.day, history.customer, history.purchases, history.spend)
        return np.column_stack(columns)[np.lexsort(columns[::-1])]

    assert np.array_equal(rows(apart), rows(together))
    assert alerts_detect(run=business, config=LOOSE)
