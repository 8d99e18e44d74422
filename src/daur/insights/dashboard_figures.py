"""The dashboard's figures: computed once per scoring run, grouped by owner, then stored.

Each figure is tallied per owner of the customer ("-" for no owner) and stored as one row per
owner plus one for the whole base: a dashboard request reads the row of the user's scope (all,
or the sales rep's own) instead of scanning a million scores and ten million orders. The
customers, orders and survey answers written after the figures were computed (ids above the
stored marks) are tallied at request time over the same windows, a range scan of the primary
key; the score-based figures (funnel, RFM, CLV, strategies, channels) are those of the run.

The funnel counts each customer once at the furthest stage it ever reached (its stage history and
its current stage; a lapsed or lost customer has bought, so it reached conversion at least, and
retention if it bought twice or more). The
channels count the customers acquired in the 12 months up to the as-of date and the share of the
acquisition campaigns' cost they carry (daur.insights.campaign_cost), so every column of the
channel table covers the same 12 months and a sales rep's cost is that of the rep's customers.

The answers are stored as a count per NPS value (0-10) and the customers per stage, so that the
promoters, detractors and active customers are counted by their definitions (daur.definitions)
when the figures are read. The web pages only read what is stored here.
"""

from __future__ import annotations

import time as clock
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    FloatField,
    IntegerField,
    Max,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Floor
from django.utils import timezone

from daur.customers.models import Customer
from daur.db.expressions import Log10
from daur.definitions.customers import INACTIVE_STAGES
from daur.definitions.surveys import NPS_VALUES
from daur.insights.campaign_cost import campaign_unit_costs
from daur.insights.models import CustomerScore, DashboardFacts, ScoringRun, StageChange
from daur.insights.period import raw_rows
from daur.sales.models import Order
from daur.surveys.models import SurveyAnswer

CLV_BUCKETS_PER_DECADE = 4
NO_OWNER = "-"
# Stored with the figures: figures stored by an older version are computed again when read.
FACTS_VERSION = 4
FUNNEL_STAGES = ("reaching", "acquisition", "conversion", "retention", "inspiration")
# The furthest funnel stage a customer now lapsed or lost has surely reached: it has bought.
INACTIVE_REACHED = "conversion"


def dashboard_window(as_of: date) -> tuple[datetime, datetime, datetime]:
    """(end, a year before, 30 days before): the end is midnight after the as-of date."""
    end = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))
    return end, end - timedelta(days=365), end - timedelta(days=30)


def _owner_key(owner_id: int | None) -> str:
    return NO_OWNER if owner_id is None else str(owner_id)


def _empty() -> dict:
    return {
        "customers": 0, "new": 0, "scored": 0, "clv": 0.0,
        "stages": {}, "strategies": {}, "rfm": {}, "buckets": {},
        "revenue": {}, "nps": [0] * len(NPS_VALUES), "recent": {}, "campaigns": {},
        "furthest": {},
    }


def _add(counts: dict, key: str, n: float) -> None:
    counts[key] = counts.get(key, 0) + n


def facts_fold(owners: dict[str, dict], keys: list[str] | None) -> dict:
    """The figures of the given owners added up (every owner when `keys` is None)."""
    out = _empty()
    for key, part in owners.items():
        if keys is not None and key not in keys:
            continue
        for name in ("customers", "new", "scored", "clv"):
            out[name] += part[name]
        for name in ("stages", "strategies", "rfm", "buckets", "revenue", "furthest"):
            for k, n in part.get(name, {}).items():
                _add(out[name], k, n)
        out["nps"] = [a + b for a, b in zip(out["nps"], part["nps"])]
        for name in ("recent", "campaigns"):  # per channel: lists of figures, added up
            for channel, figures in part.get(name, {}).items():
                mine = out[name].setdefault(channel, [0] * len(figures))
                out[name][channel] = [a + b for a, b in zip(mine, figures)]
    return out


def clv_bucket_expression():
    """Quarter-decade buckets of the CLV (bucket k covers 10^(k/4) to 10^((k+1)/4)); -1 below 1."""
    log_bucket = Floor(Log10(Cast("clv_12m", FloatField())) * CLV_BUCKETS_PER_DECADE)
    return Case(
        When(clv_12m__isnull=True, then=None),
        When(clv_12m__lt=1, then=Value(-1)),
        default=Cast(log_bucket, IntegerField()),
        output_field=IntegerField(),
    )


def _tally_customers(owners, customers, month_ago, end) -> None:
    rows = customers.values("owner_id").annotate(
        n=Count("id"), new=Count("id", filter=Q(created_at__gte=month_ago, created_at__lt=end))
    ).order_by()
    for row in rows:
        part = owners[_owner_key(row["owner_id"])]
        part["customers"] += row["n"]
        part["new"] += row["new"]


def _tally_orders(owners, orders, year_ago, end) -> None:
    rows = (
        orders.filter(ordered_at__gte=year_ago, ordered_at__lt=end)
        .values("customer__owner_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        part = owners[_owner_key(row["customer__owner_id"])]
        _add(part["revenue"], row["currency"], float(row["total"] or 0))


def _tally_answers(owners, answers, year_ago, end) -> None:
    """The answers per owner and NPS value (0-10): read with the bands in force."""
    rows = (
        answers.filter(answered_at__gte=year_ago, answered_at__lt=end)
        .values("customer__owner_id", "nps")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        part = owners[_owner_key(row["customer__owner_id"])]
        part["nps"][row["nps"]] += row["n"]


def _tally_scores(owners, scores) -> None:
    """One scan of the scores, grouped by owner, stage, strategy, R, F and CLV bucket."""
    rows = (
        scores.annotate(clv_bucket=clv_bucket_expression())
        .values("customer__owner_id", "lifecycle_stage", "strategy", "rfm_r", "rfm_f",
                "clv_bucket")
        .annotate(n=Count("pk"), clv=Sum("clv_12m"))
        .order_by()
    )
    for row in rows:  # not .iterator(): a server-side cursor plans for the first rows
        part = owners[_owner_key(row["customer__owner_id"])]
        n = row["n"]
        part["scored"] += n
        part["clv"] += row["clv"] or 0.0
        _add(part["stages"], row["lifecycle_stage"], n)
        _add(part["strategies"], row["strategy"], n)
        if row["rfm_r"] and row["rfm_f"]:
            _add(part["rfm"], f"{row['rfm_r']},{row['rfm_f']}", n)
        if row["clv_bucket"] is not None:
            _add(part["buckets"], str(int(row["clv_bucket"])), n)


def _tally_channels(owners, customers, year_ago, end) -> None:
    """The customers acquired in the 12 months, per channel: all of them (by `acquired_via`, with
    their CLV), and those of acquisition campaigns with a cost (by the campaign's channel, with
    the cost they carry)."""
    in_window = customers.filter(created_at__gte=year_ago, created_at__lt=end)
    recent = (
        in_window.exclude(acquired_via="")
        .values("owner_id", "acquired_via")
        .annotate(n=Count("id"), clv_sum=Sum("score__clv_12m"), clv_n=Count("score__clv_12m"))
        .order_by()
    )
    for row in recent:
        part = owners[_owner_key(row["owner_id"])]
        part["recent"][row["acquired_via"]] = [row["n"], row["clv_sum"] or 0.0, row["clv_n"]]
    units = campaign_unit_costs()
    acquired = (
        in_window.filter(campaign_id__in=list(units))
        .values("owner_id", "campaign_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in acquired:
        unit = units[row["campaign_id"]]
        channels = owners[_owner_key(row["owner_id"])]["campaigns"]
        figures = channels.setdefault(unit.channel, [0, 0.0])
        figures[0] += row["n"]
        figures[1] += row["n"] * unit.cost


def _stage_rank_sql(column: str) -> str:
    """An SQL CASE giving a stage's place in the funnel (a lapsed or lost one: conversion's)."""
    ranks = {stage: i for i, stage in enumerate(FUNNEL_STAGES)}
    ranks |= dict.fromkeys(INACTIVE_STAGES, ranks[INACTIVE_REACHED])
    whens = " ".join(f"WHEN '{stage}' THEN {rank}" for stage, rank in ranks.items())
    return f"CASE {column} {whens} END"


def _tally_furthest(owners, last_customer: int) -> None:
    """Each customer counted once at the furthest funnel stage it ever reached: the furthest of
    its stage history, its current stage and, for a lapsed or lost one with two purchases or
    more, retention (it was retained when it bought again). Grouped in the database; the
    purchases are counted up to two per inactive customer, through the order index."""
    inactive = ", ".join(f"'{stage}'" for stage in INACTIVE_STAGES)
    retention = FUNNEL_STAGES.index("retention")
    sql = (
        "SELECT c.owner_id, f.furthest, COUNT(*) FROM ("
        " SELECT customer_id, MAX(stage_rank) AS furthest FROM ("
        f"  SELECT customer_id, {_stage_rank_sql('to_stage')} AS stage_rank"
        f"  FROM {StageChange._meta.db_table}"
        "  UNION ALL"
        f"  SELECT customer_id, {_stage_rank_sql('lifecycle_stage')}"
        f"  FROM {CustomerScore._meta.db_table}"
        "  UNION ALL"
        f"  SELECT s.customer_id, {retention} FROM {CustomerScore._meta.db_table} s"
        f"  WHERE s.lifecycle_stage IN ({inactive}) AND (SELECT COUNT(*) FROM ("
        f"   SELECT 1 FROM {Order._meta.db_table} o"
        "   WHERE o.customer_id = s.customer_id AND o.amount >= 0 LIMIT 2) two) = 2"
        " ) stages GROUP BY customer_id"
        f") f JOIN {Customer._meta.db_table} c ON c.id = f.customer_id "
        "WHERE c.id <= %s AND f.furthest IS NOT NULL GROUP BY c.owner_id, f.furthest"
    )
    for owner_id, furthest, n in raw_rows(sql, [last_customer]):
        _add(owners[_owner_key(owner_id)]["furthest"], FUNNEL_STAGES[int(furthest)], n)


def _max_id(model) -> int:
    return model.objects.aggregate(m=Max("pk"))["m"] or 0


def dashboard_facts_compute(*, as_of: date) -> dict:
    """Every figure of the dashboard, per owner, over the base as it is now.

    {"as_of": ..., "marks": {"customer": id, "order": id, "answer": id}, "owners": {key: figures}}
    """
    end, year_ago, month_ago = dashboard_window(as_of)
    with transaction.atomic():
        marks = {"customer": _max_id(Customer), "order": _max_id(Order),
                 "answer": _max_id(SurveyAnswer)}
        owners: dict[str, dict] = defaultdict(_empty)
        customers = Customer.objects.filter(pk__lte=marks["customer"])
        _tally_customers(owners, customers, month_ago, end)
        _tally_scores(owners, CustomerScore.objects.filter(customer_id__lte=marks["customer"]))
        _tally_orders(owners, Order.objects.filter(pk__lte=marks["order"]), year_ago, end)
        _tally_answers(
            owners, SurveyAnswer.objects.filter(pk__lte=marks["answer"]), year_ago, end
        )
        _tally_channels(owners, customers, year_ago, end)
        _tally_furthest(owners, marks["customer"])
    return {"as_of": as_of.isoformat(), "marks": marks, "owners": dict(owners)}


def dashboard_facts_since(facts: dict, *, owner_id: int | None) -> dict:
    """The figures of the customers, orders and answers written after `facts` (its as-of date
    and marks), of one owner or of all; the keys of the result are owner keys."""
    end, year_ago, month_ago = dashboard_window(date.fromisoformat(facts["as_of"]))
    marks = facts["marks"]
    customers = Customer.objects.filter(pk__gt=marks["customer"])
    orders = Order.objects.filter(pk__gt=marks["order"])
    answers = SurveyAnswer.objects.filter(pk__gt=marks["answer"])
    if owner_id is not None:
        customers = customers.filter(owner_id=owner_id)
        orders = orders.filter(customer__owner_id=owner_id)
        answers = answers.filter(customer__owner_id=owner_id)
    newer = _newer_than(marks)
    owners: dict[str, dict] = defaultdict(_empty)
    if newer["customer"]:
        _tally_customers(owners, customers, month_ago, end)
    if newer["order"]:
        _tally_orders(owners, orders, year_ago, end)
    if newer["answer"]:
        _tally_answers(owners, answers, year_ago, end)
    return dict(owners)


def _newer_than(marks: dict[str, int]) -> dict[str, bool]:
    """Which tables have rows above their mark: one round trip of three index probes."""
    tables = {"customer": Customer, "order": Order, "answer": SurveyAnswer}
    probes = ", ".join(
        f"EXISTS (SELECT 1 FROM {model._meta.db_table} WHERE id > %s)"
        for model in tables.values()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {probes}", [marks[name] for name in tables])
        found = cursor.fetchone()
    return {name: bool(hit) for name, hit in zip(tables, found)}


def dashboard_facts_store(*, run: ScoringRun) -> DashboardFacts:
    """Compute and keep the dashboard figures of a finished run (the end of `daur score`): one
    row for the whole base and one per owner. Returns the whole base's row."""
    started = clock.perf_counter()
    computed = dashboard_facts_compute(as_of=run.as_of)
    seconds = clock.perf_counter() - started
    meta = {"as_of": computed["as_of"], "marks": computed["marks"], "version": FACTS_VERSION}
    scopes = {DashboardFacts.ALL: facts_fold(computed["owners"], None), **computed["owners"]}
    with transaction.atomic():
        DashboardFacts.objects.filter(run=run).delete()
        DashboardFacts.objects.bulk_create(
            DashboardFacts(run=run, scope=scope, seconds=seconds,
                           facts={**meta, "figures": figures})
            for scope, figures in scopes.items()
        )
    return DashboardFacts.objects.get(run=run, scope=DashboardFacts.ALL)


def dashboard_facts_of(run: ScoringRun, *, scope: str) -> dict:
    """The stored figures of a run for a scope ("all" or an owner key), stored now if the run
    has none yet or has those of an older version; {"as_of", "marks", "figures"} (no figures:
    the owner had no customers)."""
    rows = {
        row.scope: row.facts
        for row in DashboardFacts.objects.filter(run=run, scope__in=[scope, DashboardFacts.ALL])
    }
    whole = rows.get(DashboardFacts.ALL, {})
    if whole.get("as_of") != run.as_of.isoformat() or whole.get("version") != FACTS_VERSION:
        dashboard_facts_store(run=run)
        return dashboard_facts_of(run, scope=scope)
    return rows.get(scope) or {"as_of": whole["as_of"], "marks": whole["marks"],
                               "figures": _empty()}
