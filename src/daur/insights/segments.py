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


def segment_filters(segment: Segment, user: User | None = None) -> CustomerFilters:
    """The filters of the segment's query as the list applies them for `user`: a sales rep's list
    has no owner filter (the rep's own customers only)."""
    filters = filters_from_query(segment.query)
    if user is not None and not sees_all_customers(user):
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


def segment_snapshots_store(*, run: ScoringRun) -> list[SegmentSnapshot]:
    """Every segment's figures over the whole base at this run (a segment whose stored query no
    longer parses is skipped: its members are unknown)."""
    snapshots = []
    for segment in Segment.objects.all():
        try:
            figures = segment_figures(segment)
        except ValueError:
            continue
        snapshot, _ = SegmentSnapshot.objects.update_or_create(
            segment=segment,
            run=run,
            defaults={
                "size": figures.size, "revenue": figures.revenue, "clv": figures.clv,
                "query": segment.query,
            },
        )
        snapshots.append(snapshot)
    return snapshots


@dataclass(frozen=True)
class StoredFigures:
    figures: SegmentFigures
    as_of: date  # the scoring run's date (its as-of day, else the day it started)


def segment_figures_stored(segments: list[Segment]) -> dict[int, StoredFigures]:
    """The figures the latest scoring run that recorded each segment stored (by the segment's
    pk), over the whole base, while the segment's filter is still the one they were recorded
    for: a segment saved or changed since (or never recorded) is not in it."""
    queries = {segment.pk: segment.query for segment in segments}
    if not queries:
        return {}
    newest = (
        SegmentSnapshot.objects.filter(segment_id=OuterRef("segment_id"))
        .order_by("-run_id").values("pk")[:1]
    )
    rows = SegmentSnapshot.objects.filter(
        segment_id__in=list(queries), pk=Subquery(newest)
    ).values_list(
        "segment_id", "query", "size", "revenue", "clv", "run__as_of", "run__started_at"
    )
    return {
        pk: StoredFigures(
            SegmentFigures(size, revenue, clv), as_of or started.date()
        )
        for pk, query, size, revenue, clv, as_of, started in rows
        if query is not None and query == queries[pk]
    }


def segment_history(segment: Segment, limit: int = 60) -> list[SegmentSnapshot]:
    """The segment's figures over the last `limit` runs, oldest first."""
    rows = (
        SegmentSnapshot.objects.filter(segment=segment)
        .select_related("run")
        .order_by("-run__started_at", "-run_id")[:limit]
    )
    return list(reversed(rows))


