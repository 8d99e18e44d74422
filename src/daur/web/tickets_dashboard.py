"""The service dashboard (/tickets/dashboard/): over the last 30, 90 or 365 days, first-response
and resolution hours per priority and agent, SLA attainment, CSAT and NPS, and the backlog now by
age — the figures of `daur kpi` (daur.insights.kpi_activity, daur.insights.kpi_service)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from daur import vocabulary
from daur.accounts.models import Role
from daur.insights.kpi_activity import service_compute
from daur.insights.kpi_service import period_tickets, service_desk_compute, ticket_timings
from daur.insights.period import Period, local_day
from daur.records import vocabulary_choices
from daur.servicedesk.access import tickets_workable_by

PERIOD_DAYS = (30, 90, 365)


def service_dashboard_readable_by(user) -> bool:  # noqa: ANN001 - a User
    """The desk and its bosses, and marketers (read): the figures are the whole base's."""
    return tickets_workable_by(user) or (user.is_authenticated and user.role == Role.MARKETER)


@login_required
@require_GET
def tickets_dashboard(request: HttpRequest) -> HttpResponse:
    if not service_dashboard_readable_by(request.user):
        raise PermissionDenied
    days = request.GET.get("days", "90")
    days = int(days) if days.isdigit() and int(days) in PERIOD_DAYS else 90
    now = timezone.now()
    today = local_day(now)
    period = Period(today - timedelta(days=days - 1), today)
    timings = ticket_timings(period_tickets(period))  # one pass for both
    desk = service_desk_compute(period=period, now=now, timings=timings)
    priorities = dict(vocabulary_choices(vocabulary.TICKET_PRIORITIES))
    context = {
        "days": days,
        "period_days": PERIOD_DAYS,
        "period": period,
        "service": service_compute(period=period, timings=timings),
        "desk": desk,
        "by_priority": [(priorities.get(g.key, g.key), g) for g in desk.by_priority],
        "by_agent": desk.by_agent,
        "backlog_max": max([b.tickets for b in desk.backlog] + [1]),
    }
    return render(request, "web/tickets/dashboard.html", context)
