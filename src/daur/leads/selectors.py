"""Reads of leads: who may see and move which, the pipeline board, the list, one lead's history.

Roles: a sales rep sees and moves the leads they own (another's is a 404); admins and managers
see and move them all; marketers read them all (leads are what their campaigns bring in);
support agents have no access to the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from daur import vocabulary
from daur.accounts.models import Role, User
from daur.db.compiled import CompiledValues
from daur.engagement.models import Interaction
from daur.leads.models import Lead, LeadStageChange

PAGE_SIZE = 50
CARDS_PER_STAGE = 10  # a column's newest cards; the others are a link to the list
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
    # The lead score's win probability, in percent, from and to (both included); a lead not
    # scored yet is outside any score range.
    score_min: int | None = None
    score_max: int | None = None
    sort: str = ""
    cursor: str = ""  # the list's keyset position (daur.leads.listing)

    def without_cursor(self) -> LeadFilters:
        return replace(self, cursor="")


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
        # Overdue: the soonest due open activity is before now (as with_activity_marks says),
        # one probe of the index of a lead's open activities per lead read, so that the list's
        # page and its count stop early; an EXISTS was planned as a hash of every overdue
        # activity of every lead first (30,000 at 100,000 open leads: 13-16 ms of the count).
        qs = qs.alias(soonest_due_at=soonest_due()).filter(soonest_due_at__lt=now)
    if filters.score_min is not None:
        qs = qs.filter(score__win_probability__gte=filters.score_min / 100)
    if filters.score_max is not None:
        qs = qs.filter(score__win_probability__lte=filters.score_max / 100)
    return qs


def soonest_due() -> Subquery:
    """The lead's soonest due open activity, for ordering the list by it."""
    soonest = Interaction.objects.filter(lead=OuterRef("pk"), done=False, due_at__isnull=False)
    return Subquery(soonest.order_by("due_at").values("due_at")[:1])


def with_activity_marks(leads: list[Lead], now: datetime) -> list[Lead]:
    """Set each lead's soonest due open activity (`next_due_at`) and whether one is overdue
    (`has_overdue`: the soonest is before now), with one query for all of them: the activities
    of the leads shown, read by lead, rather than a subquery per lead that the planner may turn
    into a scan of every overdue activity."""
    ids = list(dict.fromkeys(lead.pk for lead in leads))
    if not ids:
        soonest = {}
    elif len(ids) <= MARKED_AT_ONCE:  # the read compiled once per number of leads
        found = SOONEST_DUE.rows(len(ids), **{f"id{i}": pk for i, pk in enumerate(ids)})
        soonest = {row["lead_id"]: row["soonest"] for row in found}
    else:
        soonest = dict(_soonest_due(ids).values_list("lead_id", "soonest"))
    for lead in leads:
        lead.next_due_at = soonest.get(lead.pk)
        lead.has_overdue = lead.next_due_at is not None and lead.next_due_at < now
    return leads


def _soonest_due(ids: list) -> QuerySet:
    return (
        Interaction.objects.filter(lead_id__in=ids, done=False, due_at__isnull=False)
        .values("lead_id")
        .annotate(soonest=Min("due_at"))
        .order_by()
    )


# A page's activity marks, composed once per process and number of leads (daur.db.compiled: the
# ORM's composing cost more than the read), run with the page's lead ids.
MARKED_AT_ONCE = 64  # a board's cards or a list page's rows
SOONEST_DUE = CompiledValues(
    lambda n, **ids: _soonest_due([ids[f"id{i}"] for i in range(n)]),
    {f"id{i}": -1_000_000_007 - i for i in range(MARKED_AT_ONCE)},
    "leads.soonest_due",
)


@dataclass
class BoardCard:
    """What a board card shows of a lead (daur.web.lead_cards); its activity marks are set by
    with_activity_marks."""

    pk: int
    name: str
    company: str
    stage: str
    source: str
    expected_value: Decimal | None
    converted_customer_id: int | None
    created_at: datetime
    owner_name: str  # "–" without an owner
    next_due_at: datetime | None = None
    has_overdue: bool = False

    @classmethod
    def of(cls, row: dict) -> BoardCard:
        username = row.pop("owner__username")
        first, last = row.pop("owner__first_name"), row.pop("owner__last_name")
        # User.get_full_name(), else the user name
        owner = "–" if username is None else f"{first} {last}".strip() or username
        return cls(**row, owner_name=owner)


# What a board card reads of its lead and owner.
CARD_VALUES = (
    "pk", "name", "company", "stage", "source", "expected_value", "converted_customer_id",
    "created_at", "owner__first_name", "owner__last_name", "owner__username",
)
_STAGE_SENTINEL = "daur:stage-sentinel"  # no lead has it: longer than the column


def _newest_cards(qs: QuerySet) -> list[dict]:
    """Each stage's newest CARDS_PER_STAGE leads of `qs` (the top of `lead_stage_created_idx`),
    as CARD_VALUES rows. On PostgreSQL one query: one stage's read composed by the ORM (with a
    sentinel stage), its SQL repeated for every stage in a UNION ALL with the stage's value in
    the sentinel's place (one round trip, and one composing instead of six); elsewhere (SQLite
    cannot limit a UNION's parts) one query a stage."""
    def top(stage: str) -> QuerySet:
        return qs.filter(stage=stage).order_by("-created_at", "-pk").values(*CARD_VALUES)[
            :CARDS_PER_STAGE
        ]

    if connection.features.supports_slicing_ordering_in_compound:
        compiler = top(_STAGE_SENTINEL).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if list(params).count(_STAGE_SENTINEL) == 1:
            stages = vocabulary.LEAD_STAGES
            values = [stage if p == _STAGE_SENTINEL else p for stage in stages for p in params]
            with connection.cursor() as cursor:
                cursor.execute(" UNION ALL ".join([f"({sql})"] * len(stages)), values)
                fetched = [row[: compiler.col_count] for row in cursor.fetchall()]
            return [
                dict(zip(CARD_VALUES, row, strict=True))
                for row in compiler.results_iter([fetched])
            ]
    return [row for stage in vocabulary.LEAD_STAGES for row in top(stage)]


@dataclass(frozen=True)
class BoardColumn:
    stage: str
    count: int
    value: float
    cards: list[BoardCard]

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def pipeline_board(*, user: User, filters: LeadFilters, now: datetime | None = None, stamp=None):  # noqa: ANN001, ANN201 - a PipelineStamp
    """The kanban: per stage its count, expected value and its most recently created leads.

    The counts and values are one aggregate read from the index of (owner, stage, expected
    value) alone (leads migration 0006), cached until the pipeline changes; the cards are the
    top of `lead_stage_created_idx` per stage, at most CARDS_PER_STAGE (the rest is in the list).
    `stamp`: the page's pipeline stamp (daur.leads.cache), if it has one.
    """
    from daur.leads.cache import pipeline_cached  # it reads LeadFilters, defined here

    now = now or timezone.now()
    qs = leads_filtered(user=user, filters=replace(filters, stage=""), now=now)

    def stage_totals() -> dict[str, tuple[int, float]]:
        by_stage = qs.order_by().values("stage").annotate(
            n=Count("*"), value=Sum("expected_value")
        )
        return {row["stage"]: (row["n"], float(row["value"] or 0)) for row in by_stage}

    totals = pipeline_cached(user, replace(filters, stage=""), "totals", stage_totals, stamp)
    by_stage: dict[str, list[BoardCard]] = {}
    for row in _newest_cards(qs):
        by_stage.setdefault(row["stage"], []).append(BoardCard.of(row))
    columns = []
    for stage in vocabulary.LEAD_STAGES:
        n, value = totals.get(stage, (0, 0.0))
        cards = sorted(by_stage.get(stage, []), key=lambda c: (c.created_at, c.pk), reverse=True)
        columns.append(BoardColumn(stage, n, value, cards))
    with_activity_marks([card for column in columns for card in column.cards], now)
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
