"""Saved segments' figures: their members are the customer list's of the segment's query
(daur.customers.query, daur.customers.selectors), now for a user, or over the whole base at each
scoring run (SegmentSnapshot). docs/segments.md."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from django.db.models import Count, OuterRef, Subquery, Sum

from daur.accounts.models import User
from daur.campaigns.models import Segment
from daur.customers.access import sees_all_customers
from daur.customers.query import filters_from_query
from daur.customers.selectors import CustomerFilters, customers_of_filters
from daur.definitions.currency import base_amount
from daur.insights.models import ScoringRun, SegmentSnapshot
from daur.sales.models import Order


@dataclass(frozen=True)
class SegmentFigures:
    size: int
    revenue: float  # every order of the members, in the base currency
    clv: float  # the sum of the members' predicted 12-month CLV


def segment_filters(
    segment: Segment, user: User | None = None, *, owned: bool = False
) -> CustomerFilters:
    """The filters of the segment's query as the list applies them for `user`: a sales rep's list
    has no owner filter (the rep's own customers only); nor has it when `owned`."""
    filters = filters_from_query(segment.query)
    if owned or (user is not None and not sees_all_customers(user)):
        filters = replace(filters, owner=None)
    return filters


def segment_members(segment: Segment, user: User | None = None):
    """The customers of the segment the user may see (None: the whole base), unordered."""
    return customers_of_filters(user=user, filters=segment_filters(segment, user))


def segment_figures(segment: Segment, user: User | None = None) -> SegmentFigures:
    members = segment_members(segment, user)
    counted = members.aggregate(size=Count("id"), clv=Sum("score__clv_12m"))
    revenue = Order.objects.filter(customer__in=members.values("id")).aggregate(
        total=Sum(base_amount())
    )["total"]
    return SegmentFigures(counted["size"], float(revenue or 0.0), float(counted["clv"] or 0.0))


def segment_figures_by_owner(segment: Segment) -> dict[int | None, SegmentFigures]:
    """The segment's figures over each owner's customers as that owner's list has them (the
    filter's owner left out; None: the customers nobody owns), in one grouped pass; owners
    without members are absent."""
    members = customers_of_filters(user=None, filters=segment_filters(segment, None, owned=True))
    counted = members.values("owner_id").annotate(size=Count("id"), clv=Sum("score__clv_12m"))
    revenue = dict(
        Order.objects.filter(customer__in=members.values("id"))
        .values("customer__owner_id")
        .annotate(total=Sum(base_amount()))
        .values_list("customer__owner_id", "total")
    )
    return {
        row["owner_id"]: SegmentFigures(
            row["size"], float(revenue.get(row["owner_id"]) or 0.0), float(row["clv"] or 0.0)
        )
        for row in counted
    }


def _whole(by_owner: dict[int | None, SegmentFigures]) -> SegmentFigures:
    """The whole base's figures from every owner's (nobody's included)."""
    parts = by_owner.values()
    return SegmentFigures(
        sum(f.size for f in parts), sum(f.revenue for f in parts), sum(f.clv for f in parts)
    )


def segment_snapshots_store(*, run: ScoringRun) -> list[SegmentSnapshot]:
    """Every segment's figures over the whole base at this run, and over each owner's customers
    (a segment whose stored query no longer parses is skipped: its members are unknown). Without
    an owner in the filter the whole base's are the owners' added up: one pass, not two."""
    snapshots = []
    for segment in Segment.objects.all():
        try:
            by_owner = segment_figures_by_owner(segment)
            owned = segment_filters(segment).owner is not None
            figures = segment_figures(segment) if owned else _whole(by_owner)
        except ValueError:
            continue
        snapshot, _ = SegmentSnapshot.objects.update_or_create(
            segment=segment,
            run=run,
            defaults={
                "size": figures.size,
                "revenue": figures.revenue,
                "clv": figures.clv,
                "query": segment.query,
                "by_owner": {
                    str(owner): [f.size, f.revenue, f.clv]
                    for owner, f in by_owner.items()
                    if owner is not None
                },
            },
        )
        snapshots.append(snapshot)
    return snapshots


@dataclass(frozen=True)
class StoredFigures:
    figures: SegmentFigures
    as_of: date  # the scoring run's date (its as-of day, else the day it started)


def segment_figures_stored(
    segments: list[Segment], owner: int | None = None
) -> dict[int, StoredFigures]:
    """The figures the latest scoring run that recorded each segment stored (by the segment's
    pk), over the whole base or over the customers `owner` owned then (as that owner's list),
    while the segment's filter is still the one they were recorded for: a segment saved or
    changed since (or never recorded) is not in it."""
    queries = {segment.pk: segment.query for segment in segments}
    if not queries:
        return {}
    newest = (
        SegmentSnapshot.objects.filter(segment_id=OuterRef("segment_id"))
        .order_by("-run_id")
        .values("pk")[:1]
    )
    rows = SegmentSnapshot.objects.filter(
        segment_id__in=list(queries), pk=Subquery(newest)
    ).values_list(
        "segment_id", "query", "size", "revenue", "clv", "by_owner", "run__as_of", "run__started_at"
    )
    found = {}
    for pk, query, size, revenue, clv, by_owner, as_of, started in rows:
        if query is None or query != queries[pk]:
            continue
        if owner is not None:
            size, revenue, clv = by_owner.get(str(owner), (0, 0.0, 0.0))
        found[pk] = StoredFigures(SegmentFigures(size, revenue, clv), as_of or started.date())
    return found


def segment_history(segment: Segment, limit: int = 60) -> list[SegmentSnapshot]:
    """The segment's figures over the last `limit` runs, oldest first."""
    rows = (
        SegmentSnapshot.objects.filter(segment=segment)
        .select_related("run")
        .order_by("-run__started_at", "-run_id")[:limit]
    )
    return list(reversed(rows))
