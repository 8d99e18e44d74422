"""Reads of leads: who may see and move which, the pipeline board, the list, one lead's history.

Roles: a sales rep sees and moves the leads they own (another's is a 404); admins and managers
see and move them all; marketers read them all (leads are what their campaigns bring in);
support agents have no access to the pipeline.
"""

from __future__ import annotations

import hashlib
import statistics
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import Lag
from django.http import Http404
from django.utils import timezone

from daur import vocabulary
from daur.accounts.models import Role, User
from daur.db import dialect
from daur.engagement.models import Interaction
from daur.leads.models import Lead, LeadStageChange

PAGE_SIZE = 50
CARDS_PER_STAGE = 30
# The list's age filter: leads created within this many days ("older": before the last one).
AGE_DAYS = {"7": 7, "30": 30, "90": 90}
# Sort key -> the column, direction; ties end on the id.
SORTS: dict[str, tuple[str, str]] = {
    "name": ("name", "asc"),
    "value": ("expected_value", "desc"),
    "created": ("created_at", "desc"),
    "due": ("next_due_at", "asc"),
}
NULLABLE_SORTS = ("expected_value", "next_due_at")


def leads_readable_by(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role != Role.SUPPORT_AGENT


def leads_visible_to(user: User) -> QuerySet[Lead]:
    if not leads_readable_by(user):
        return Lead.objects.none()
    if user.sees_everything or user.role == Role.MARKETER:
        return Lead.objects.all()
    return Lead.objects.filter(owner=user)


def lead_writable_by(user: User, lead: Lead) -> bool:
    """Admins and managers work on every lead; a sales rep on their own."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.sees_everything or (user.role == Role.SALES_REP and lead.owner_id == user.pk)


def leads_assignable_by(user: User) -> bool:
    return user.is_authenticated and user.sees_everything


def lead_get(*, user: User, lead_id: int) -> Lead:
    """The lead, if the user may see it; else a 404 (whether or not it exists)."""
    lead = (
        leads_visible_to(user)
        .select_related("owner", "campaign", "converted_customer")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise Http404("No such lead.")
    return lead


@dataclass(frozen=True)
class LeadFilters:
    """What the board and the list are narrowed to; empty values mean "any"."""

    q: str = ""
    stage: str = ""
    owner: int | None = None
    unassigned: bool = False
    source: str = ""
    campaign: int | None = None
    age: str = ""  # a key of AGE_DAYS, or "older"
    overdue: bool = False
    sort: str = ""
    page: int = 1

    def without_page(self) -> LeadFilters:
        return replace(self, page=1)


def overdue_activities(now: datetime) -> QuerySet[Interaction]:
    """The lead's activities due before `now` and not done, for an `Exists` on the lead."""
    return Interaction.objects.filter(lead=OuterRef("pk"), done=False, due_at__lt=now)


def leads_filtered(*, user: User, filters: LeadFilters, now: datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    qs = leads_visible_to(user)
    if filters.q:
        qs = qs.filter(
            Q(name__icontains=filters.q)
            | Q(company__icontains=filters.q)
            | Q(external_id__iexact=filters.q)
            | Q(email__iexact=filters.q)
        )
    exact = {
        "stage": filters.stage,
        "owner_id": filters.owner,
        "source": filters.source,
        "campaign_id": filters.campaign,
    }
    qs = qs.filter(**{k: v for k, v in exact.items() if v not in ("", None)})
    if filters.unassigned:
        qs = qs.filter(owner__isnull=True)
    if filters.age in AGE_DAYS:
        qs = qs.filter(created_at__gte=now - timedelta(days=AGE_DAYS[filters.age]))
    elif filters.age == "older":
        qs = qs.filter(created_at__lt=now - timedelta(days=max(AGE_DAYS.values())))
    if filters.overdue:
        qs = qs.filter(Exists(overdue_activities(now)))
    return qs


def _with_activity(qs: QuerySet, now: datetime) -> QuerySet:
    """With the soonest due open activity, and whether one is overdue.

    Both are correlated subqueries, not a join and GROUP BY: a page newest first is then a page
    of the lead index read in order, not every lead grouped before the sort."""
    soonest = Interaction.objects.filter(lead=OuterRef("pk"), done=False, due_at__isnull=False)
    return qs.annotate(
        has_overdue=Exists(overdue_activities(now)),
        next_due_at=Subquery(soonest.order_by("due_at").values("due_at")[:1]),
    ).select_related("owner", "campaign")


def lead_list(*, user: User, filters: LeadFilters, now: datetime | None = None) -> Page:
    """One page of the list (page numbers: a pipeline holds thousands of leads, not millions)."""
    now = now or timezone.now()
    column, direction = SORTS.get(filters.sort, SORTS["created"])
    # Empty values last where there can be any; not on a required column, so that its plain
    # index serves the order (leads migration 0004).
    nulls_last = True if column in NULLABLE_SORTS else None
    order = F(column).asc(nulls_last=nulls_last) if direction == "asc" else F(column).desc(
        nulls_last=nulls_last
    )
    tie = "pk" if direction == "asc" else "-pk"
    qs = _with_activity(leads_filtered(user=user, filters=filters, now=now), now)
    paginator = Paginator(qs.order_by(order, tie), PAGE_SIZE)
    return paginator.get_page(filters.page)


@dataclass(frozen=True)
class BoardColumn:
    stage: str
    count: int
    value: float
    cards: list[Lead]

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def pipeline_board(*, user: User, filters: LeadFilters, now: datetime | None = None):  # noqa: ANN201
    """The kanban: per stage its count, expected value and its most recently created leads."""
    now = now or timezone.now()
    qs = leads_filtered(user=user, filters=replace(filters, stage=""), now=now)
    by_stage = qs.order_by().values("stage").annotate(n=Count("id"), value=Sum("expected_value"))
    totals = {row["stage"]: row for row in by_stage}
    overdue = Exists(overdue_activities(now))
    columns = []
    for stage in vocabulary.LEAD_STAGES:
        row = totals.get(stage, {"n": 0, "value": None})
        cards = list(
            qs.filter(stage=stage)
            .annotate(has_overdue=overdue)
            .select_related("owner")
            .order_by("-created_at", "-pk")[:CARDS_PER_STAGE]
        )
        columns.append(BoardColumn(stage, row["n"], float(row["value"] or 0), cards))
    return columns


@dataclass(frozen=True)
class StageStay:
    """A stage the lead was in, from when to when (None: it is still there)."""

    stage: str
    entered_at: datetime
    left_at: datetime | None
    change: LeadStageChange | None  # the move into it; None for the stage it was created in

    def days(self, now: datetime) -> float:
        return ((self.left_at or now) - self.entered_at).total_seconds() / 86400


def lead_stage_history(lead: Lead) -> list[StageStay]:
    """The stages a lead went through, oldest first, each with its time in stage."""
    changes = list(lead.stage_changes.select_related("user").order_by("changed_at", "pk"))
    first = changes[0].from_stage if changes else lead.stage
    stays = []
    entered, stage, change = lead.created_at, first, None
    for c in changes:
        stays.append(StageStay(stage, entered, c.changed_at, change))
        entered, stage, change = c.changed_at, c.to_stage, c
    stays.append(StageStay(stage, entered, None, change))
    return stays


@dataclass(frozen=True)
class StageFlow:
    """What became of the leads that left a stage: how many, the share that went forward
    (a later stage or won) and the median days they had spent in it."""

    stage: str
    left: int
    forward: int
    median_days: float | None

    @property
    def forward_share(self) -> float | None:
        return self.forward / self.left if self.left else None


def pipeline_flow(*, user: User, filters: LeadFilters | None = None) -> list[StageFlow]:
    """Conversion and time in stage from the stored moves, per open stage (the user's leads).

    A stay starts at the lead's previous move, or at its creation for its first one. On
    PostgreSQL the database counts and takes the medians (a pipeline of 100,000 leads has
    hundreds of thousands of moves, too many to read); elsewhere Python does, from the moves.
    Cached for DAUR_LEAD_FLOW_CACHE_SECONDS under a key that changes with every move or lead.
    """
    filters = filters or LeadFilters()
    seconds = getattr(settings, "DAUR_LEAD_FLOW_CACHE_SECONDS", 0)
    key = _flow_cache_key(user, filters) if seconds else None
    if key is None:
        return stage_flow_of(leads_filtered(user=user, filters=filters))
    cached = cache.get(key)
    if cached is None:
        cached = stage_flow_of(leads_filtered(user=user, filters=filters))
        cache.set(key, cached, seconds)
    return cached


def _flow_cache_key(user: User, filters: LeadFilters) -> str | None:
    """The flow's cache key: who sees which leads, the filters, and the newest move and lead.

    Any move, new, changed or deleted lead changes the key, so a cached flow is never stale
    (a change by `QuerySet.update` must set `updated_at`, as the lead actions do).
    Filters relative to now (age, overdue) are not cached: their leads change with the clock.
    """
    if not leads_readable_by(user) or filters.age or filters.overdue:
        return None
    scope = "all" if user.sees_everything or user.role == Role.MARKETER else f"user{user.pk}"
    with connection.cursor() as cursor:
        cursor.execute(_flow_stamp_sql())
        stamp = cursor.fetchone()
    narrowed = repr(replace(filters, page=1, sort=""))
    digest = hashlib.sha256(f"{narrowed}|{stamp}".encode()).hexdigest()
    return f"daur:leadflow:v1:{scope}:{digest}"


def _flow_stamp_sql() -> str:
    """The newest lead, lead change, lead history row (a deletion writes one) and move: each
    the top of an index, so the stamp costs four index reads however long the pipeline."""
    newest = [
        (Lead._meta.db_table, "id"),
        (Lead._meta.db_table, "updated_at"),  # leads migration 0005: lead_updated_idx
        (Lead.history.model._meta.db_table, "history_id"),
        (LeadStageChange._meta.db_table, "id"),
    ]
    return "SELECT " + ", ".join(
        f"(SELECT {column} FROM {table} ORDER BY {column} DESC LIMIT 1)"
        for table, column in newest
    )


def stage_flow_of(leads: QuerySet[Lead]) -> list[StageFlow]:
    """Per open stage, what became of these leads that left it (one query over their moves)."""
    tally = _flow_postgresql(leads) if dialect.postgresql() else _flow_python(leads)
    return [
        StageFlow(s, *tally.get(s, (0, 0, None))) for s in vocabulary.OPEN_LEAD_STAGES
    ]


# Per stage left: (moves out, moves forward, median days in it).
FlowTally = dict[str, tuple[int, int, float | None]]


def _flow_python(leads: QuerySet) -> FlowTally:
    moves = (
        LeadStageChange.objects.filter(lead__in=leads.values("pk"))
        .annotate(
            entered_at=Window(Lag("changed_at"), partition_by=F("lead_id"), order_by=[
                F("changed_at").asc(), F("pk").asc()
            ])
        )
        .values_list("from_stage", "to_stage", "changed_at", "entered_at", "lead__created_at")
    )
    order = {stage: i for i, stage in enumerate(vocabulary.LEAD_STAGES)}
    days: dict[str, list[float]] = {s: [] for s in vocabulary.OPEN_LEAD_STAGES}
    forward = dict.fromkeys(vocabulary.OPEN_LEAD_STAGES, 0)
    for frm, to, changed, entered, created in moves:
        if frm not in days:
            continue
        days[frm].append(max((changed - (entered or created)).total_seconds(), 0) / 86400)
        if to != "lost" and order[to] > order[frm]:
            forward[frm] += 1
    return {
        s: (len(days[s]), forward[s], statistics.median(days[s]) if days[s] else None)
        for s in days
    }


FLOW_SQL = """
SELECT from_stage, count(*),
    count(*) FILTER (WHERE to_stage <> 'lost' AND array_position(%s::text[], to_stage::text)
        > array_position(%s::text[], from_stage::text)),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY days)
FROM (
    SELECT c.from_stage, c.to_stage, GREATEST(EXTRACT(EPOCH FROM c.changed_at - COALESCE(
        LAG(c.changed_at) OVER (PARTITION BY c.lead_id ORDER BY c.changed_at, c.id),
        l.created_at)), 0) / 86400.0 AS days
    FROM leads_leadstagechange c JOIN leads_lead l ON l.id = c.lead_id
    WHERE c.lead_id IN ({leads})
) moves
WHERE from_stage = ANY(%s::text[])
GROUP BY from_stage
"""


def _flow_postgresql(leads: QuerySet) -> FlowTally:
    try:
        sql, params = leads.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # no lead at all (Lead.objects.none()): nothing left any stage
        return {}
    stages = list(vocabulary.LEAD_STAGES)
    with connection.cursor() as cursor:
        cursor.execute(
            FLOW_SQL.format(leads=sql),
            [stages, stages, *params, list(vocabulary.OPEN_LEAD_STAGES)],
        )
        return {
            stage: (left, forward, float(median) if median is not None else None)
            for stage, left, forward, median in cursor.fetchall()
        }
