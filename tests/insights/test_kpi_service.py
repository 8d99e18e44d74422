"""The service desk's KPIs against figures worked out by hand: response and resolution hours per
priority and agent (median and p90 with linear interpolation), SLA attainment, backlog by age."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from daur.actions.servicedesk import ticket_open, ticket_reply, ticket_status_change
from daur.insights.kpi_report import kpis_as_mapping, kpis_text
from daur.insights.kpi_service import period_tickets, service_desk_compute, ticket_timings
from daur.insights.kpis import kpis_compute
from daur.insights.period import Period
from daur.servicedesk.models import SlaPolicy, Ticket
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db

JUNE = Period(date_from=date(2026, 6, 1), date_to=date(2026, 6, 30))
T0 = datetime(2026, 6, 1, 8, tzinfo=UTC)
H = timedelta(hours=1)
NOW = datetime(2026, 7, 10, 8, tzinfo=UTC)


@pytest.fixture
def desk():
    SlaPolicy.objects.create(priority="normal", response_minutes=120, resolution_minutes=600)
    ayu, budi = user_make("ayu", role="support_agent"), user_make("budi", role="support_agent")

    def worked(agent, priority, respond_h, resolve_h, *, day=0):  # noqa: ANN001, ANN202
        opened = T0 + timedelta(days=day)
        t = ticket_open(customer=customer_make(), kind="request", priority=priority,
                        opened_at=opened, assignee=agent)
        if respond_h is not None:
            ticket_reply(ticket_id=t.pk, body="hi", user=agent, now=opened + respond_h * H)
        if resolve_h is not None:
            ticket_status_change(ticket_id=t.pk, status="resolved", user=agent,
                                 now=opened + resolve_h * H)
        return t

    # normal: responses 1, 2, 3, 4 h; resolutions 5, 9, 12 h (the 4th unresolved)
    worked(ayu, "normal", 1, 5)
    worked(ayu, "normal", 2, 9)
    worked(budi, "normal", 3, 12)  # response 1 h late: breached
    worked(budi, "normal", 4, None, day=38)  # opened 9 July: open, 1 day old, response late
    # high (no policy): response 1 h, resolution 2 h
    worked(ayu, "high", 1, 2)
    # before the period: counts in the backlog only (40 days old)
    worked(None, "low", None, None, day=-1)
    return ayu, budi


def test_the_desk_figures_match_the_hand_computed_ones(desk):
    figures = service_desk_compute(period=JUNE, now=NOW)
    normal, high = figures.by_priority
    assert (normal.key, normal.tickets, high.key, high.tickets) == ("normal", 3, "high", 1)
    # June's normal tickets: responses 1, 2, 3 h -> median 2, p90 = 2 + 0.8 * (3 - 2) = 2.8
    assert normal.first_response.median_hours == pytest.approx(2.0)
    assert normal.first_response.p90_hours == pytest.approx(2.8)
    # resolutions 5, 9, 12 h -> median 9, p90 = 9 + 0.8 * 3 = 11.4
    assert normal.resolution.median_hours == pytest.approx(9.0)
    assert normal.resolution.p90_hours == pytest.approx(11.4)
    agents = {g.key: g for g in figures.by_agent}
    assert set(agents) == {"ayu", "budi"}
    assert agents["ayu"].tickets == 3 and agents["budi"].tickets == 1
    # ayu: responses 1, 2, 1 -> median 1; resolutions 5, 9, 2 -> median 5
    assert agents["ayu"].first_response.median_hours == pytest.approx(1.0)
    assert agents["ayu"].resolution.median_hours == pytest.approx(5.0)
    # SLA: June's normal tickets are all decided (resolved); budi's answered late
    assert (figures.sla_decided, figures.sla_met) == (3, 2)
    assert figures.sla_attainment == pytest.approx(2 / 3)
    # backlog now: July's open ticket (1 day old) and the 40-day-old low one
    assert figures.backlog_total == 2
    assert {b.label: b.tickets for b in figures.backlog} == {
        "< 1 d": 0, "1-3 d": 1, "3-7 d": 0, "7-30 d": 0, ">= 30 d": 1,
    }


def test_daur_kpi_carries_the_desk_figures(desk):
    kpis = kpis_compute(date_from=JUNE.date_from, date_to=JUNE.date_to)
    mapping = kpis_as_mapping(kpis)
    assert mapping["service_desk"]["sla_decided"] == 3
    assert mapping["service_desk"]["by_priority"][0]["key"] == "normal"
    text = kpis_text(kpis)
    assert "SLA attainment: 66.7 % (2 of 3 decided tickets without a breach)" in text
    assert "by agent" in text


def test_unassigned_tickets_ratings_and_sla_outcomes_in_the_one_pass(desk):
    ayu, _ = desk
    nobody = [(6, None, 5), (8, 30, None), (None, None, 1)]  # response h, resolution h, rating
    for i, (respond_h, resolve_h, rating) in enumerate(nobody):
        opened = T0 + timedelta(days=2 + i)
        Ticket.objects.create(
            external_id=f"N{i}", customer=customer_make(), kind="request", priority="urgent",
            opened_at=opened, satisfaction=rating,
            first_response_at=opened + respond_h * H if respond_h is not None else None,
            resolved_at=opened + resolve_h * H if resolve_h is not None else None,
        )
    Ticket.objects.filter(assignee=ayu, priority="high").update(satisfaction=4)
    timings = ticket_timings(period_tickets(JUNE))
    agents = {g.key: g for g in timings.by_agent}
    assert list(agents) == ["", "ayu", "budi"]
    # nobody's responses 6, 8 h: median 7, p90 = 6 + 0.9 * 2 = 7.8; one resolution of 30 h
    assert agents[""].tickets == 3
    assert agents[""].first_response.tickets == 2
    assert agents[""].first_response.median_hours == pytest.approx(7.0)
    assert agents[""].first_response.p90_hours == pytest.approx(7.8)
    assert agents[""].resolution.median_hours == pytest.approx(30.0)
    assert [g.key for g in timings.by_priority] == ["normal", "high", "urgent"]
    assert timings.overall.tickets == 7
    assert timings.ratings == (1, 0, 0, 1, 1)  # ratings 1, 4 and 5
    # the urgent tickets have no policy: the SLA figures are still June's normal tickets'
    assert (timings.sla_decided, timings.sla_met) == (3, 2)
