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
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet

from daur import vocabulary
from daur.accounts.models import User
from daur.db.percentiles import grouped_duration_percentiles
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
    overall: ServiceGroup
    by_priority: tuple[ServiceGroup, ...]
    by_agent: tuple[ServiceGroup, ...]


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


def durations_of(values: list[timedelta | None]) -> Durations:
    """Median and p90 in hours by linear interpolation between ranks (numpy's percentile, what
    PostgreSQL's PERCENTILE_CONT gives), over the values present."""
    hours = np.array([v.total_seconds() / 3600.0 for v in values if v is not None])
    if hours.size == 0:
        return Durations(tickets=0, median_hours=None, p90_hours=None)
    median, p90 = np.percentile(hours, [100 * p for p in PERCENTS])
    return Durations(tickets=int(hours.size), median_hours=float(median), p90_hours=float(p90))


def _from_seconds(count: int, seconds: list[float] | None) -> Durations:
    if not count or seconds is None:
        return Durations(0, None, None)
    return Durations(count, seconds[0] / 3600.0, seconds[1] / 3600.0)


def ticket_timings(tickets: QuerySet) -> Timings:
    """First-response and resolution hours of these tickets, over all and per priority and agent:
    inside PostgreSQL in one grouped pass; elsewhere read and computed in numpy."""
    response = ExpressionWrapper(F("first_response_at") - F("opened_at"), DurationField())
    resolution = ExpressionWrapper(F("resolved_at") - F("opened_at"), DurationField())
    rows = tickets.annotate(r=response, s=resolution).values_list(
        "priority", "assignee_id", "r", "s"
    ).order_by()
    names = dict(User.objects.values_list("pk", "username"))
    stats = grouped_duration_percentiles(
        rows, groups=("priority", "agent"), durations=("r", "s"), percents=PERCENTS
    )
    if stats is None:
        return _timings_in_python(rows, names)

    def group(key: str, found) -> ServiceGroup:  # noqa: ANN001
        n, ((nr, r), (ns, s)) = found
        return ServiceGroup(key, n, _from_seconds(nr, r), _from_seconds(ns, s))

    overall = stats.get(("", None), (0, [(0, None), (0, None)]))
    priorities = {v: f for (g, v), f in stats.items() if g == "priority"}
    agents = {names.get(v, ""): f for (g, v), f in stats.items() if g == "agent"}
    return Timings(
        overall=group("", overall),
        by_priority=tuple(
            group(p, priorities[p]) for p in vocabulary.TICKET_PRIORITIES if p in priorities
        ),
        by_agent=tuple(group(a, agents[a]) for a in sorted(agents)),
    )


def _timings_in_python(rows: QuerySet, names: dict[int, str]) -> Timings:
    by_priority: dict[str, list] = defaultdict(list)
    by_agent: dict[str, list] = defaultdict(list)
    every = []
    for priority, agent, r, s in rows.iterator(chunk_size=20_000):
        by_priority[priority].append((r, s))
        by_agent[names.get(agent, "")].append((r, s))
        every.append((r, s))

    def group(key: str, timings: list) -> ServiceGroup:
        return ServiceGroup(
            key, len(timings),
            durations_of([r for r, _ in timings]), durations_of([s for _, s in timings]),
        )

    return Timings(
        overall=group("", every),
        by_priority=tuple(
            group(p, by_priority[p]) for p in vocabulary.TICKET_PRIORITIES if p in by_priority
        ),
        by_agent=tuple(group(a, by_agent[a]) for a in sorted(by_agent)),
    )


def period_tickets(period: Period) -> QuerySet:
    return Ticket.objects.filter(opened_at__gte=period.start, opened_at__lt=period.end)


def service_desk_compute(
    *, period: Period, now: datetime, timings: Timings | None = None
) -> ServiceDesk:
    """The desk's figures; `timings` when they were computed already (daur kpi's service
    figures read the same pass)."""
    tickets = period_tickets(period)
    timings = timings or ticket_timings(tickets)
    decided = tickets.filter(response_due_at__isnull=False).filter(
        Q(resolved_at__isnull=False) | Q(sla_breached_at__isnull=False)
    )
    sla = decided.aggregate(
        n=Count("id"), met=Count("id", filter=Q(sla_breached_at__isnull=True))
    )
    backlog = backlog_compute(now=now)
    return ServiceDesk(
        by_priority=timings.by_priority,
        by_agent=timings.by_agent,
        sla_decided=sla["n"],
        sla_met=sla["met"],
        sla_attainment=sla["met"] / sla["n"] if sla["n"] else None,
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
