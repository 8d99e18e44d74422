"""The service desk's actions: the conversation, the status flow with its pauses, assignment, bulk
changes, SLA moments (value-aware), breaches, and the re-score after each commit."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from daur.actions.servicedesk import (
    TicketRefused,
    ticket_accept,
    ticket_assign,
    ticket_open,
    ticket_priority_change,
    ticket_reply,
    ticket_status_change,
    tickets_bulk_change,
)
from daur.actions.servicedesk_sla import tickets_breaches_record, tickets_sla_recompute
from daur.servicedesk.models import (
    BusinessCalendar,
    SlaPolicy,
    Team,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketPause,
)
from tests.web.factories import customer_make, score_make, user_make

pytestmark = pytest.mark.django_db(transaction=True)

MONDAY = datetime(2025, 6, 2, 9, tzinfo=UTC)  # a Monday, 09:00 UTC
HOUR = timedelta(hours=1)


@pytest.fixture
def policy():
    return SlaPolicy.objects.create(priority="normal", response_minutes=60, resolution_minutes=480)


@pytest.fixture
def agent():
    return user_make("agent1", role="support_agent")


def opened(**kw) -> Ticket:
    kw.setdefault("customer", customer_make())
    kw.setdefault("kind", "complaint")
    return ticket_open(opened_at=MONDAY, subject="Broken", body="It broke", **kw)


def test_opening_sets_the_due_moments_of_the_policy(policy, rescored):
    ticket = opened()
    assert ticket.response_due_at == MONDAY + HOUR
    assert ticket.resolution_due_at == MONDAY + 8 * HOUR
    assert ticket.resolution_warn_at == MONDAY + 6 * HOUR
    assert ticket.external_id.startswith("T-")
    assert TicketMessage.objects.get(ticket=ticket).kind == "customer"
    assert rescored == [[ticket.customer_id]]


def test_business_hours_push_the_targets_over_the_weekend(policy):
    policy.calendar = BusinessCalendar.objects.create(name="Office", time_zone="UTC")
    policy.save()
    friday_4pm = datetime(2025, 6, 6, 16, tzinfo=UTC)
    ticket = ticket_open(customer=customer_make(), kind="request", opened_at=friday_4pm)
    assert ticket.response_due_at == datetime(2025, 6, 6, 17, tzinfo=UTC)
    assert ticket.resolution_due_at == datetime(2025, 6, 9, 16, tzinfo=UTC)  # Monday


def test_a_customer_to_protect_gets_shorter_targets_with_the_reason(policy):
    customer = customer_make()
    score_make(customer, strategy="protect")
    ticket = opened(customer=customer)
    assert ticket.sla_factor == 0.5 and "protect" in ticket.sla_reason
    assert ticket.resolution_due_at == MONDAY + 4 * HOUR


def test_the_first_reply_is_the_first_response_and_starts_the_work(policy, agent):
    ticket = opened()
    ticket_reply(ticket_id=ticket.pk, body="Looking", user=agent, kind="note", now=MONDAY + HOUR / 2)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None and ticket.status == "open"  # a note answers nobody
    ticket_reply(ticket_id=ticket.pk, body="On it", user=agent, now=MONDAY + 2 * HOUR)
    ticket.refresh_from_db()
    assert ticket.first_response_at == MONDAY + 2 * HOUR
    assert ticket.status == "in_progress"
    assert ticket.response_due_at == MONDAY + HOUR  # kept: the KPIs tell on time from late
    assert ticket.sla_breached_at == MONDAY + 2 * HOUR  # an hour late: recorded at once
    moves = TicketEvent.objects.filter(ticket=ticket, field="status").order_by("at")
    assert [(e.old, e.new) for e in moves] == [("", "open"), ("open", "in_progress")]


def test_an_invalid_move_is_refused_and_changes_nothing(policy, agent):
    ticket = opened()
    with pytest.raises(TicketRefused, match="cannot go from “Open” to “Closed”"):
        ticket_status_change(ticket_id=ticket.pk, status="closed", user=agent)
    with pytest.raises(TicketRefused, match="Unknown status"):
        ticket_status_change(ticket_id=ticket.pk, status="gone", user=agent)
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1


def test_waiting_pauses_the_resolution_clock_and_the_customer_resumes_it(policy, agent):
    ticket = opened()
    ticket_status_change(ticket_id=ticket.pk, status="in_progress", user=agent, now=MONDAY)
    ticket_status_change(ticket_id=ticket.pk, status="waiting", user=agent, now=MONDAY + HOUR)
    ticket.refresh_from_db()
    assert ticket.resolution_due_at is None  # paused: no due moment while it waits
    assert TicketPause.objects.get(ticket=ticket).ended_at is None
    ticket_reply(ticket_id=ticket.pk, body="Here it is", kind="customer", now=MONDAY + 4 * HOUR)
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert TicketPause.objects.get(ticket=ticket).ended_at == MONDAY + 4 * HOUR
    assert ticket.resolution_due_at == MONDAY + 11 * HOUR  # 8 h target + 3 h paused


def test_resolve_reopen_and_close(policy, agent):
    ticket = opened()
    for status in ("in_progress", "resolved"):
        ticket_status_change(ticket_id=ticket.pk, status=status, user=agent, now=MONDAY + HOUR)
    ticket.refresh_from_db()
    assert ticket.resolved_at == MONDAY + HOUR and ticket.resolution_warn_at is None
    ticket_status_change(ticket_id=ticket.pk, status="in_progress", user=agent)
    ticket.refresh_from_db()
    assert ticket.resolved_at is None and ticket.resolution_due_at == MONDAY + 8 * HOUR
    ticket_status_change(ticket_id=ticket.pk, status="resolved", user=agent)
    ticket_status_change(ticket_id=ticket.pk, status="closed", user=agent)
    with pytest.raises(TicketRefused, match="closed"):
        ticket_reply(ticket_id=ticket.pk, body="Thanks", user=agent)
    assert not TicketMessage.objects.filter(ticket=ticket, body="Thanks").exists()


def test_empty_or_hostile_messages(policy, agent):
    ticket = opened()
    with pytest.raises(TicketRefused, match="Write a message"):
        ticket_reply(ticket_id=ticket.pk, body="   ", user=agent)
    hostile = '<script>alert(1)</script><img src=x onerror="x()">'
    message = ticket_reply(ticket_id=ticket.pk, body=hostile, user=agent)
    assert TicketMessage.objects.get(pk=message.pk).body == hostile  # verbatim


def test_assign_agent_and_team_records_who_changed_it(policy, agent):
    ticket = opened()
    team = Team.objects.create(name="Tier 1")
    ticket_assign(ticket_id=ticket.pk, user=agent, assignee=agent, team=team)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.team) == (agent, team)
    ticket_assign(ticket_id=ticket.pk, user=agent, assignee=None)  # the team stays
    ticket.refresh_from_db()
    assert ticket.assignee is None and ticket.team == team
    fields = list(TicketEvent.objects.filter(ticket=ticket).values_list("field", flat=True))
    assert fields.count("assignee") == 2 and fields.count("team") == 1


def test_priority_change_moves_the_targets(policy, agent):
    SlaPolicy.objects.create(priority="urgent", response_minutes=15, resolution_minutes=120)
    ticket = opened()
    ticket_priority_change(ticket_id=ticket.pk, priority="urgent", user=agent)
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == MONDAY + 2 * HOUR
    with pytest.raises(TicketRefused):
        ticket_priority_change(ticket_id=ticket.pk, priority="whenever", user=agent)


def test_only_a_suggestion_is_accepted(policy, agent, rescored):
    with pytest.raises(TicketRefused, match="suggestion"):
        ticket_accept(ticket_id=opened().pk, accepted=True, user=agent)
    idea = opened(kind="suggestion")
    rescored.clear()
    ticket_accept(ticket_id=idea.pk, accepted=True, user=agent)
    assert Ticket.objects.get(pk=idea.pk).accepted is True
    assert rescored == [[idea.customer_id]]


def test_bulk_changes_each_ticket_and_names_the_refused(policy, agent):
    first, second = opened(), opened()
    ticket_status_change(ticket_id=second.pk, status="resolved", user=agent)
    ticket_status_change(ticket_id=second.pk, status="closed", user=agent)
    outcome = tickets_bulk_change(
        ticket_ids=[first.pk, second.pk], user=agent, status="in_progress", assignee=agent
    )
    assert outcome.changed == 1
    assert outcome.refused == [(second.external_id, "A ticket cannot go from “Closed” to “In progress”.")]
    assert Ticket.objects.get(pk=first.pk).assignee == agent
    assert Ticket.objects.get(pk=second.pk).assignee is None  # all or nothing per ticket


def test_breaches_are_recorded_at_their_due_moment(policy):
    late, fine = opened(), ticket_open(customer=customer_make(), kind="request",
                                       opened_at=MONDAY + 10 * HOUR)
    assert tickets_breaches_record(now=MONDAY + 3 * HOUR) == 1
    assert Ticket.objects.get(pk=late.pk).sla_breached_at == MONDAY + HOUR  # response due
    assert Ticket.objects.get(pk=fine.pk).sla_breached_at is None
    assert tickets_breaches_record(now=MONDAY + 3 * HOUR) == 0  # recorded once


def test_a_changed_calendar_recomputes_open_tickets_from_their_pauses(policy, agent):
    ticket = opened()
    ticket_status_change(ticket_id=ticket.pk, status="waiting", user=agent, now=MONDAY + HOUR)
    ticket_status_change(ticket_id=ticket.pk, status="in_progress", user=agent,
                         now=MONDAY + 2 * HOUR)
    policy.calendar = BusinessCalendar.objects.create(
        name="Short days", day_start=time(9), day_end=time(13)
    )
    policy.save()
    assert tickets_sla_recompute(now=MONDAY + 3 * HOUR) == 1
    # 8 working hours of 09-13 days, one paused: Monday 09-10 and 11-13, Tuesday, Wednesday 1 h.
    assert Ticket.objects.get(pk=ticket.pk).resolution_due_at == datetime(
        2025, 6, 4, 10, tzinfo=UTC
    )


def test_imported_open_tickets_get_their_due_moments(policy, write_csv):
    from daur.actions.interchange import file_import

    customer_make(external_id="C-1")
    path = write_csv(
        "tickets.csv",
        "ticket_id,customer_id,kind,opened_at,status\n"
        "IMP-1,C-1,complaint,2025-06-02T09:00:00+00:00,open\n"
        "IMP-2,C-1,request,2025-06-02T09:00:00+00:00,resolved\n",
    )
    file_import(kind="tickets", path=path)
    imported = Ticket.objects.get(external_id="IMP-1")
    assert imported.resolution_due_at == MONDAY + 8 * HOUR
    assert Ticket.objects.get(external_id="IMP-2").response_due_at is None  # done work
