"""The service desk's KPIs from the stored tickets and their recorded breaches: first-response and
resolution hours (median, p90) per priority and per agent, SLA attainment, and the backlog by age.

One definition each:
- hours: from opening to the first response / the resolution, calendar hours, over the tickets
  opened in the period that reached it (the same as the overall figures of `daur kpi`);
- SLA attainment: of the tickets opened in the period under an SLA policy (a first-response due
  moment was set) and decided — resolved, or breached already —, the share resolved without a
  recorded breach;
- backlog: the tickets open now (open, in progress, waiting) by their age now.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from daur import vocabulary
from daur.accounts.models import User
from daur.analytics.percentiles import percentiles_present
from daur.db.durations import duration_matrix
from daur.insights.period import Period
from daur.servicedesk.models import OPEN_STATUSES, Ticket

# The backlog's age bands: (label, upper bound in days; None: no bound).
BACKLOG_BANDS = (("< 1 d", 1), ("1-3 d", 3), ("3-7 d", 7), ("7-30 d", 30), (">= 30 d", None))
PERCENTS = (0.5, 0.9)


@dataclass(frozen=True)
class Durations:
    """Hours from a ticket's opening to an event, over the tickets that reached it."""

    tickets: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class ServiceGroup:
    key: str  # a priority code, or an agent's user name ("" = nobody)
    tickets: int  # opened in the period
    first_response: Durations
    resolution: Durations


@dataclass(frozen=True)
class Timings:
    """The figures of the tickets opened in a period, read in one pass over them."""

    overall: ServiceGroup
    by_priority: tuple[ServiceGroup, ...]
    by_agent: tuple[ServiceGroup, ...]
    ratings: tuple[int, ...] = (0,) * 5  # how many tickets were rated 1, 2, 3, 4, 5 (CSAT)
    sla_decided: int = 0  # under an SLA policy and resolved or breached already
    sla_met: int = 0  # of those, without a recorded breach


@dataclass(frozen=True)
class BacklogBand:
    label: str
    tickets: int


@dataclass(frozen=True)
class ServiceDesk:
    by_priority: tuple[ServiceGroup, ...]
    by_agent: tuple[ServiceGroup, ...]
    sla_decided: int
    sla_met: int
    sla_attainment: float | None  # sla_met / sla_decided
    backlog: tuple[BacklogBand, ...]
    backlog_total: int


def _durations(seconds: np.ndarray) -> Durations:
    n, found = percentiles_present(seconds, PERCENTS)
    if found is None:
        return Durations(tickets=0, median_hours=None, p90_hours=None)
    return Durations(tickets=n, median_hours=found[0] / 3600.0, p90_hours=found[1] / 3600.0)


# A ticket's agent, priority, CSAT rating and SLA outcome packed into one integer (one array
# less per column to read): agent id x 512 + priority x 64 + rating x 4 + outcome.
OTHER_PRIORITY = 7
OUTCOMES = {"undecided": 0, "met": 1, "breached": 2}


def _packed_key():  # noqa: ANN202 - an expression
    decided = Q(response_due_at__isnull=False) & (
        Q(resolved_at__isnull=False) | Q(sla_breached_at__isnull=False)
    )
    outcome = Case(
        When(decided & Q(sla_breached_at__isnull=True), then=Value(OUTCOMES["met"])),
        When(decided, then=Value(OUTCOMES["breached"])),
        default=Value(OUTCOMES["undecided"]),
    )
    priority = Case(
        *(When(priority=p, then=Value(i)) for i, p in enumerate(vocabulary.TICKET_PRIORITIES)),
        default=Value(OTHER_PRIORITY),
    )
    return ExpressionWrapper(
        Coalesce(F("assignee_id"), 0) * 512 + priority * 64
        + Coalesce(F("satisfaction"), 0) * 4 + outcome,
        output_field=BigIntegerField(),
    )


def _sorted_groups(codes: np.ndarray, *columns: np.ndarray):  # noqa: ANN202
    """(code, the columns' values of the rows with that code) per code, by one sort."""
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    columns = tuple(c[order] for c in columns)
    bounds = [0, *(np.flatnonzero(np.diff(codes)) + 1).tolist(), len(codes)]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b > a:
            yield int(codes[a]), tuple(c[a:b] for c in columns)


def ticket_timings(tickets: QuerySet) -> Timings:
    """First-response and resolution hours of these tickets, over all and per priority and agent,
    their CSAT ratings and SLA outcomes: read once as numpy columns (daur.db.durations: binary
    arrays on PostgreSQL), the exact percentiles taken there (daur.analytics.percentiles)."""
    response = ExpressionWrapper(F("first_response_at") - F("opened_at"), DurationField())
    resolution = ExpressionWrapper(F("resolved_at") - F("opened_at"), DurationField())
    rows = tickets.annotate(key=_packed_key(), r=response, s=resolution).values_list(
        "key", "r", "s"
    ).order_by()
    matrix = duration_matrix(rows, numbers=("key",), durations=("r", "s"))
    key = matrix[:, 0].astype(np.int64)
    r, s = matrix[:, 1], matrix[:, 2]
    agent, priority = key >> 9, (key >> 6) & 7
    rating, outcome = (key >> 2) & 15, key & 3

    def group(name: str, durations: tuple[np.ndarray, np.ndarray]) -> ServiceGroup:
        rs, ss = durations
        return ServiceGroup(name, len(rs), _durations(rs), _durations(ss))

    found = dict(_sorted_groups(priority, r, s))
    by_priority = tuple(
        group(p, found[i]) for i, p in enumerate(vocabulary.TICKET_PRIORITIES) if i in found
    )
    names = dict(User.objects.values_list("pk", "username"))
    by_name: dict[str, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)
    for pk, durations in _sorted_groups(agent, r, s):  # 0: nobody
        by_name[names.get(pk, "")].append(durations)
    by_agent = tuple(
        group(name, tuple(np.concatenate(parts) for parts in zip(*by_name[name], strict=True)))
        for name in sorted(by_name)
    )
    return Timings(
        overall=group("", (r, s)),
        by_priority=by_priority,
        by_agent=by_agent,
        ratings=tuple(int(np.count_nonzero(rating == k)) for k in range(1, 6)),
        sla_decided=int(np.count_nonzero(outcome != OUTCOMES["undecided"])),
        sla_met=int(np.count_nonzero(outcome == OUTCOMES["met"])),
    )


def period_tickets(period: Period) -> QuerySet:
    return Ticket.objects.filter(opened_at__gte=period.start, opened_at__lt=period.end)


def service_desk_compute(
    *, period: Period, now: datetime, timings: Timings | None = None
) -> ServiceDesk:
    """The desk's figures; `timings` when they were computed already (daur kpi's service
    figures read the same pass)."""
    timings = timings or ticket_timings(period_tickets(period))
    backlog = backlog_compute(now=now)
    return ServiceDesk(
        by_priority=timings.by_priority,
        by_agent=timings.by_agent,
        sla_decided=timings.sla_decided,
        sla_met=timings.sla_met,
        sla_attainment=timings.sla_met / timings.sla_decided if timings.sla_decided else None,
        backlog=backlog,
        backlog_total=sum(b.tickets for b in backlog),
    )


def backlog_compute(*, now: datetime) -> tuple[BacklogBand, ...]:
    """The open tickets by age now: one aggregate over the open-work index."""
    bands, low = {}, None
    for label, days in BACKLOG_BANDS:
        condition = Q()
        if days is not None:
            condition &= Q(opened_at__gt=now - timedelta(days=days))
        if low is not None:
            condition &= Q(opened_at__lte=now - timedelta(days=low))
        bands[label] = Count("id", filter=condition)
        low = days
    counts = Ticket.objects.filter(status__in=OPEN_STATUSES).aggregate(
        **{f"b{i}": c for i, c in enumerate(bands.values())}
    )
    return tuple(
        BacklogBand(label, counts[f"b{i}"]) for i, label in enumerate(bands)
    )
