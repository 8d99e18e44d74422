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

from django.db.models import Count, Q

from daur import vocabulary
from daur.insights.kpi_activity import Durations, durations_of
from daur.insights.period import Period
from daur.servicedesk.models import OPEN_STATUSES, Ticket

# The backlog's age bands: (label, upper bound in days; None: no bound).
BACKLOG_BANDS = (("< 1 d", 1), ("1-3 d", 3), ("3-7 d", 7), ("7-30 d", 30), (">= 30 d", None))


@dataclass(frozen=True)
class ServiceGroup:
    key: str  # a priority code, or an agent's user name ("" = nobody)
    tickets: int  # opened in the period
    first_response: Durations
    resolution: Durations


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


def _group(key: str, rows: list[tuple[timedelta | None, timedelta | None]]) -> ServiceGroup:
    return ServiceGroup(
        key=key,
        tickets=len(rows),
        first_response=durations_of([r for r, _ in rows]),
        resolution=durations_of([s for _, s in rows]),
    )


def _since(later: datetime | None, opened: datetime) -> timedelta | None:
    return None if later is None else later - opened


def service_desk_compute(*, period: Period, now: datetime) -> ServiceDesk:
    tickets = Ticket.objects.filter(opened_at__gte=period.start, opened_at__lt=period.end)
    by_priority: dict[str, list] = defaultdict(list)
    by_agent: dict[str, list] = defaultdict(list)
    rows = tickets.values_list(
        "priority", "assignee__username", "opened_at", "first_response_at", "resolved_at"
    )
    for priority, agent, opened, responded, resolved in rows.iterator(chunk_size=20_000):
        timing = (_since(responded, opened), _since(resolved, opened))
        by_priority[priority].append(timing)
        by_agent[agent or ""].append(timing)
    decided = tickets.filter(response_due_at__isnull=False).filter(
        Q(resolved_at__isnull=False) | Q(sla_breached_at__isnull=False)
    )
    sla = decided.aggregate(
        n=Count("id"), met=Count("id", filter=Q(sla_breached_at__isnull=True))
    )
    return ServiceDesk(
        by_priority=tuple(
            _group(p, by_priority[p]) for p in vocabulary.TICKET_PRIORITIES if p in by_priority
        ),
        by_agent=tuple(_group(a, by_agent[a]) for a in sorted(by_agent)),
        sla_decided=sla["n"],
        sla_met=sla["met"],
        sla_attainment=sla["met"] / sla["n"] if sla["n"] else None,
        backlog=backlog_compute(now=now),
        backlog_total=Ticket.objects.filter(status__in=OPEN_STATUSES).count(),
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
