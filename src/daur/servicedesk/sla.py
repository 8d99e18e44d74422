"""A ticket's SLA clocks from its policy, its calendar and its pauses (daur.analytics.sla does the
arithmetic): the moments stored on the ticket for the queues, and the clocks the pages show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from daur.analytics.sla import WARN_FRACTION, Calendar, ClockState, clock_state, moment_after
from daur.servicedesk.models import OPEN_STATUSES, SlaPolicy, Ticket, TicketPause


@dataclass(frozen=True)
class TicketClocks:
    response: ClockState | None  # None: no policy for the ticket's priority
    resolution: ClockState | None

    @property
    def worst(self) -> str:
        """The state the queue shows: a breach over "soon" over running; "met" when done."""
        states = [c.state for c in (self.response, self.resolution) if c is not None]
        for state in ("breached", "soon", "paused", "running", "met"):
            if state in states:
                return state
        return ""


def policies_by_priority() -> dict[str, tuple[SlaPolicy, Calendar]]:
    return {
        p.priority: (p, p.sla_calendar())
        for p in SlaPolicy.objects.select_related("calendar").prefetch_related("calendar__holidays")
    }


def ticket_pauses(ticket: Ticket) -> list[tuple[datetime, datetime | None]]:
    rows = TicketPause.objects.filter(ticket=ticket).order_by("started_at")
    return list(rows.values_list("started_at", "ended_at"))


def ticket_clocks(
    ticket: Ticket,
    *,
    now: datetime,
    policies: dict[str, tuple[SlaPolicy, Calendar]] | None = None,
    pauses: list[tuple[datetime, datetime | None]] | None = None,
) -> TicketClocks:
    """The first-response clock (never paused: a first answer is owed at once) and the resolution
    clock (paused while the ticket waits on its customer)."""
    policies = policies_by_priority() if policies is None else policies
    found = policies.get(ticket.priority)
    if found is None:
        return TicketClocks(None, None)
    policy, calendar = found
    pauses = ticket_pauses(ticket) if pauses is None else pauses
    closed = ticket.status not in OPEN_STATUSES
    response = clock_state(
        calendar,
        started_at=ticket.opened_at,
        target_seconds=60.0 * policy.response_minutes * ticket.sla_factor,
        now=now,
        stopped_at=ticket.first_response_at,
    )
    resolution = clock_state(
        calendar,
        started_at=ticket.opened_at,
        target_seconds=60.0 * policy.resolution_minutes * ticket.sla_factor,
        now=now,
        stopped_at=(ticket.resolved_at or now) if closed else None,
        pauses=pauses,
    )
    return TicketClocks(response, resolution)


def ticket_sla_moments_set(
    ticket: Ticket, *, policies: dict[str, tuple[SlaPolicy, Calendar]] | None = None
) -> None:
    """Set (not save) the ticket's stored moments: the first response and the resolution due
    (kept once given, so the KPIs tell on time from late; none for the resolution while it
    waits), and the warning while the ticket is open."""
    policies = policies_by_priority() if policies is None else policies
    found = policies.get(ticket.priority)
    ticket.response_due_at = ticket.resolution_due_at = ticket.resolution_warn_at = None
    if found is None:
        return
    policy, calendar = found
    ticket.response_due_at = moment_after(
        calendar, ticket.opened_at, 60.0 * policy.response_minutes * ticket.sla_factor
    )
    pauses = ticket_pauses(ticket) if ticket.pk else []
    target = 60.0 * policy.resolution_minutes * ticket.sla_factor
    ticket.resolution_due_at = moment_after(calendar, ticket.opened_at, target, pauses)
    if ticket.status in OPEN_STATUSES:
        ticket.resolution_warn_at = moment_after(
            calendar, ticket.opened_at, target * (1 - WARN_FRACTION), pauses
        )


def ticket_sla_state(ticket: Ticket, *, now: datetime) -> str:
    """The queue's SLA state of a ticket from its stored moments alone (no pause read): the same
    rule as daur.servicedesk.selectors.breach_q. "" without a policy."""
    if ticket.sla_breached_at is not None:
        return "breached"
    if ticket.status not in OPEN_STATUSES:
        return ""  # done: the ticket's page tells met from breached by its clocks
    if (
        ticket.response_due_at is not None
        and ticket.first_response_at is None
        and ticket.response_due_at < now
    ) or (ticket.resolution_due_at is not None and ticket.resolution_due_at < now):
        return "breached"
    if ticket.status == "waiting":
        return "paused"
    if ticket.resolution_warn_at is not None and ticket.resolution_warn_at <= now:
        return "soon"
    if ticket.resolution_due_at is not None or ticket.response_due_at is not None:
        return "running"
    return ""
