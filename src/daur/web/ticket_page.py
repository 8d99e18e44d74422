"""One ticket's page (/tickets/<pk>/): its facts and SLA clocks, the conversation (internal notes
for the desk alone), and the desk's changes — reply, note, status, priority, agent and team, a
suggestion accepted. The writes are daur.actions.servicedesk's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from daur import vocabulary
from daur.actions.servicedesk import (
    UNCHANGED,
    TicketRefused,
    ticket_accept,
    ticket_assign,
    ticket_priority_change,
    ticket_reply,
    ticket_status_change,
)
from daur.jobs import emails_dispatch
from daur.records import vocabulary_choices
from daur.servicedesk.access import (
    ticket_notes_visible_to,
    tickets_visible_to,
    tickets_workable_by,
)
from daur.servicedesk.models import STATUS_MOVES, Team, Ticket, TicketEvent
from daur.servicedesk.selectors import ticket_conversation
from daur.servicedesk.sla import ticket_clocks
from daur.servicedesk.tokens import csat_token_make
from daur.web.tickets import assignee_chosen, clock_labels, desk_agents, team_chosen


def _ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    found = (
        tickets_visible_to(request.user)
        .select_related("customer", "assignee", "team")
        .filter(pk=ticket_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _csat_url(request: HttpRequest, ticket: Ticket) -> str:
    """The satisfaction link of a resolved, unanswered ticket, for the desk to pass on."""
    if ticket.resolved_at is None or ticket.satisfaction is not None:
        return ""
    if not tickets_workable_by(request.user):
        return ""
    return request.build_absolute_uri(reverse("web:csat", args=[csat_token_make(ticket)]))


@login_required
@require_GET
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _ticket(request, ticket_id)
    return render(request, "web/tickets/detail.html", _context(request, ticket))


def _context(request: HttpRequest, ticket: Ticket) -> dict:
    now = timezone.now()
    clocks = ticket_clocks(ticket, now=now)
    labels = clock_labels()
    status_names = dict(vocabulary_choices(vocabulary.TICKET_STATUSES))
    with_notes = ticket_notes_visible_to(request.user)
    events = TicketEvent.objects.filter(ticket=ticket).select_related("user").order_by("at", "id")
    context = {
        "ticket": ticket,
        "clocks": [
            {
                "name": name,
                "state": clock.state,
                "state_name": labels.get(clock.state, ""),
                "due_at": clock.due_at,
                "used_hours": clock.elapsed_seconds / 3600,
                "target_hours": clock.target_seconds / 3600,
            }
            for name, clock in ((_("First response"), clocks.response),
                                (_("Resolution"), clocks.resolution))
            if clock is not None
        ],
        "sla_reason": _(ticket.sla_reason) if ticket.sla_reason else "",
        "conversation": list(ticket_conversation(ticket, with_notes=with_notes)),
        "events": [
            (e.at, status_names.get(e.old, ""), status_names.get(e.new, ""), e.user)
            for e in events
            if e.field == "status"
        ],
        "status_names": status_names,
        "moves": [(s, status_names[s]) for s in STATUS_MOVES[ticket.status]],
        "can_work": tickets_workable_by(request.user),
        "with_notes": with_notes,
        "agents": desk_agents(),
        "teams": list(Team.objects.all()),
        "priorities": vocabulary_choices(vocabulary.TICKET_PRIORITIES),
        "now": now,
        "csat_url": _csat_url(request, ticket),
    }
    return context


@login_required
@require_POST
def ticket_act(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """One change from the ticket's page; a refusal is said on the page, nothing written."""
    ticket = _ticket(request, ticket_id)
    if not tickets_workable_by(request.user):
        raise PermissionDenied
    op, post, user = request.POST.get("op", ""), request.POST, request.user
    try:
        if op in ("reply", "note"):
            ticket_reply(ticket_id=ticket.pk, body=post.get("body", ""), user=user, kind=op)
            messages.success(request, _("Reply sent.") if op == "reply" else _("Note added."))
            if op == "reply":  # queued as e-mail at the commit: sent now (or by a worker)
                emails_dispatch()
        elif op == "status":
            ticket_status_change(ticket_id=ticket.pk, status=post.get("status", ""), user=user)
            messages.success(request, _("Status changed."))
            emails_dispatch()  # a resolution's satisfaction question
        elif op == "priority":
            ticket_priority_change(
                ticket_id=ticket.pk, priority=post.get("priority", ""), user=user
            )
            messages.success(request, _("Priority changed."))
        elif op == "assign":
            assignee = assignee_chosen(post.get("assignee", ""))
            team = team_chosen(post.get("team", ""))
            if assignee is not UNCHANGED or team is not UNCHANGED:
                ticket_assign(ticket_id=ticket.pk, user=user, assignee=assignee, team=team)
            messages.success(request, _("Assignment saved."))
        elif op == "accept":
            choice = {"yes": True, "no": False}.get(post.get("accepted", ""))
            ticket_accept(ticket_id=ticket.pk, accepted=choice, user=user)
            messages.success(request, _("Saved."))
        else:
            raise TicketRefused(_("Unknown change."))
    except TicketRefused as refusal:
        if op in ("reply", "note"):  # the page again, the typed words kept
            context = _context(request, _ticket(request, ticket_id))
            context.update(error=str(refusal), draft=post.get("body", "")[:50_000])
            return render(request, "web/tickets/detail.html", context, status=400)
        messages.error(request, str(refusal))
    return redirect("web:ticket", ticket_id=ticket.pk)
