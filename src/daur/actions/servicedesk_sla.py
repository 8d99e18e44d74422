"""The service desk's SLA writes: a ticket's stored due moments kept current, recomputed for every
open ticket when a policy or a calendar changes, breaches recorded, and the share of the targets
a customer's value earns (a customer to protect is answered sooner)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_noop

from daur.customers.models import Customer
from daur.insights.models import CustomerScore
from daur.servicedesk.models import OPEN_STATUSES, Ticket
from daur.servicedesk.sla import policies_by_priority, ticket_clocks, ticket_sla_moments_set

# A customer the scores say to protect gets this share of the policy's targets.
PROTECT_FACTOR = 0.5
PROTECT_REASON = gettext_noop("Customer to protect (valuable and at risk): targets halved")


def ticket_sla_factor(customer: Customer) -> tuple[float, str]:
    """The share of the SLA targets a new ticket of this customer gets, and why (stored with the
    ticket in the untranslated words; the pages translate them)."""
    strategy = (
        CustomerScore.objects.filter(customer=customer).values_list("strategy", flat=True).first()
    )
    if strategy == "protect":
        return PROTECT_FACTOR, PROTECT_REASON
    return 1.0, ""


def ticket_sla_refresh(
    ticket: Ticket, *, now: datetime, save: bool = True, policies=None  # noqa: ANN001
) -> None:
    """Recompute the ticket's stored due moments and record a breach the moment it is known (a
    late first response or resolution); then save the ticket if asked."""
    policies = policies_by_priority() if policies is None else policies
    ticket_sla_moments_set(ticket, policies=policies)
    if ticket.sla_breached_at is None and ticket.pk:
        clocks = ticket_clocks(ticket, now=now, policies=policies)
        if "breached" in {c.state for c in (clocks.response, clocks.resolution) if c}:
            ticket.sla_breached_at = now
    if save:
        ticket.save()


def tickets_sla_recompute(*, now: datetime, batch: int = 500, missing_only: bool = False) -> int:
    """After a policy or calendar change: every open ticket's moments again, from its stored
    pauses (`missing_only`: those without any yet, as imported ones). Returns how many."""
    policies = policies_by_priority()
    if not policies:
        return 0
    done = 0
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    if missing_only:
        open_tickets = open_tickets.filter(response_due_at__isnull=True)
    ids = list(open_tickets.values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            chunk = ids[start : start + batch]
            for ticket in Ticket.objects.select_for_update().filter(pk__in=chunk):
                ticket_sla_refresh(ticket, now=now, policies=policies)
                done += 1
    return done


def tickets_breaches_record(*, now: datetime) -> int:
    """Record the breach of every open ticket whose first response or resolution came due
    without being given (a periodic job and the scoring run call this). Returns how many."""
    unrecorded = Ticket.objects.filter(status__in=OPEN_STATUSES, sla_breached_at__isnull=True)
    responses = unrecorded.filter(response_due_at__lt=now, first_response_at__isnull=True)
    n = responses.update(sla_breached_at=F("response_due_at"))
    return n + unrecorded.filter(resolution_due_at__lt=now).update(
        sla_breached_at=F("resolution_due_at")
    )
