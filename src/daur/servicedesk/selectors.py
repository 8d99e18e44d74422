"""Reads of the service desk: a queue of tickets by its filters, in the order work is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet

from daur import vocabulary
from daur.servicedesk.access import tickets_visible_to
from daur.servicedesk.models import OPEN_STATUSES, Ticket, TicketMessage

BREACH_STATES = ("breached", "soon", "on_track")
QUEUE_PAGE = 50


@dataclass(frozen=True)
class QueueFilters:
    status: str = "open_work"  # a status, "open_work" (open, in progress, waiting) or "" (all)
    priority: str = ""
    kind: str = ""
    agent: str = ""  # "me", "none", or a user's pk
    team: str = ""  # a team's pk
    breach: str = ""  # one of BREACH_STATES
    search: str = ""  # a ticket reference, or words of its subject

    @classmethod
    def from_query(cls, query) -> QueueFilters:  # noqa: ANN001 - a QueryDict
        """The filters of a query string; a value outside its set is dropped, not an error."""
        status = query.get("status", "open_work")
        agent, team = query.get("agent", ""), query.get("team", "")
        return cls(
            status=status if status in vocabulary.TICKET_STATUSES + ("open_work", "") else "",
            priority=_one_of(query.get("priority", ""), vocabulary.TICKET_PRIORITIES),
            kind=_one_of(query.get("kind", ""), vocabulary.TICKET_KINDS),
            agent=agent if agent in ("me", "none") or agent.isdigit() else "",
            team=team if team.isdigit() else "",
            breach=_one_of(query.get("breach", ""), BREACH_STATES),
            search=query.get("q", "").strip()[:100],
        )


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else ""


def breach_q(state: str, now: datetime) -> Q:
    """Open tickets by their SLA state now, from the stored due moments."""
    late = (
        Q(sla_breached_at__isnull=False)
        | Q(response_due_at__lt=now, first_response_at__isnull=True)
        | Q(resolution_due_at__lt=now)
    )
    if state == "breached":
        return late
    soon = Q(resolution_warn_at__lte=now, resolution_due_at__gte=now)
    if state == "soon":
        return soon & ~late
    return ~late & ~soon


def ticket_queue(*, user, filters: QueueFilters, now: datetime) -> QuerySet:  # noqa: ANN001
    """The tickets the user sees under these filters: open work the soonest due first (those
    without a due moment — paused, no policy — after them); done work and all tickets the newest
    first."""
    tickets = tickets_visible_to(user)
    if filters.status == "open_work":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        tickets = tickets.filter(status=filters.status)
    if filters.priority:
        tickets = tickets.filter(priority=filters.priority)
    if filters.kind:
        tickets = tickets.filter(kind=filters.kind)
    if filters.agent == "me":
        tickets = tickets.filter(assignee=user)
    elif filters.agent == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif filters.agent:
        tickets = tickets.filter(assignee_id=int(filters.agent))
    if filters.team:
        tickets = tickets.filter(team_id=int(filters.team))
    if filters.breach:
        tickets = tickets.filter(breach_q(filters.breach, now), status__in=OPEN_STATUSES)
    if filters.search:
        tickets = tickets.filter(
            Q(external_id__iexact=filters.search) | Q(subject__icontains=filters.search)
        )
    tickets = tickets.select_related("customer", "assignee", "team")
    if filters.status in OPEN_STATUSES + ("open_work",):
        return tickets.order_by(F("resolution_due_at").asc(nulls_last=True), "id")
    return tickets.order_by("-opened_at", "-id")  # done work and everything: the newest first


# What a queue row shows and its SLA state reads (daur.web.ticket_rows, daur.servicedesk.sla).
QUEUE_COLUMNS = (
    "external_id", "subject", "origin", "kind", "priority", "status", "opened_at",
    "response_due_at", "first_response_at", "resolution_due_at", "resolution_warn_at",
    "sla_breached_at", "customer__name", "assignee__first_name", "assignee__last_name",
    "assignee__username", "team__name",
)


def queue_page(tickets: QuerySet, *, start: int, size: int) -> list[Ticket]:
    """Rows `start` to `start + size` of a queue, in its order: the page's ids first (read from
    the queue's index alone, however deep the page), then those tickets with their customer,
    agent and team (the joins made for the page's rows, not for every row skipped)."""
    ids = list(tickets.values_list("pk", flat=True)[start : start + size])
    found = Ticket.objects.filter(pk__in=ids).select_related("customer", "assignee", "team")
    by_pk = {ticket.pk: ticket for ticket in found.only(*QUEUE_COLUMNS)}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def ticket_conversation(ticket, *, with_notes: bool) -> QuerySet:  # noqa: ANN001
    messages = TicketMessage.objects.filter(ticket=ticket).select_related("author")
    if not with_notes:
        messages = messages.exclude(kind=TicketMessage.Kind.NOTE)
    return messages.order_by("created_at", "id")
