"""The service desk's queue (/tickets/): filters, the soonest due first, SLA state per ticket,
bulk assignment and status; and opening a ticket. The writes are daur.actions.servicedesk's."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from daur import vocabulary
from daur.accounts.models import Role, User
from daur.actions.servicedesk import UNCHANGED, TicketRefused, ticket_open, tickets_bulk_change
from daur.customers.access import customers_visible_to
from daur.jobs import emails_dispatch
from daur.records import vocabulary_choices
from daur.servicedesk.access import (
    opened_ticket_assignee,
    tickets_visible_to,
    tickets_workable_by,
)
from daur.servicedesk.models import Team, Ticket
from daur.servicedesk.selectors import QUEUE_PAGE, QueueFilters, queue_page, ticket_queue
from daur.servicedesk.sla import ticket_sla_state
from daur.web.ticket_rows import options, ticket_rows

BULK_LIMIT = 200


def desk_agents() -> list[User]:
    """Who tickets are assigned to: support agents, managers and admins."""
    roles = (Role.SUPPORT_AGENT, Role.MANAGER, Role.ADMIN)
    return list(User.objects.filter(is_active=True, role__in=roles).order_by("username"))


def clock_labels() -> dict[str, str]:
    return {
        "running": _("On track"),
        "soon": _("Breaches soon"),
        "paused": _("Paused (waiting on the customer)"),
        "breached": _("Breached"),
        "met": _("Met"),
    }


def _page(request: HttpRequest) -> int:
    page = request.GET.get("page", "1")
    return max(1, min(int(page), 10_000)) if page.isdigit() else 1


@login_required
@require_GET
def tickets(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    filters = QueueFilters.from_query(request.GET)
    page = _page(request)
    start = (page - 1) * QUEUE_PAGE
    queue = ticket_queue(user=request.user, filters=filters, now=now)
    rows = queue_page(queue, start=start, size=QUEUE_PAGE + 1)
    more = len(rows) > QUEUE_PAGE
    rows = rows[:QUEUE_PAGE]
    labels = clock_labels()
    states = {ticket.pk: ticket_sla_state(ticket, now=now) for ticket in rows}
    query = request.GET.copy()
    query.pop("page", None)
    can_work = tickets_workable_by(request.user)
    context = {
        "rows": ticket_rows(
            [(t, states[t.pk], labels.get(states[t.pk], "")) for t in rows], can_work=can_work
        ),
        "filters": filters,
        "page": page,
        "more": more,
        "query": query.urlencode(),
        "can_work": can_work,
        "can_read_dashboard": can_work
        or request.user.role == Role.MARKETER,
        **_filter_options(filters, labels),
    }
    return render(request, "web/tickets/queue.html", context)


def _filter_options(filters: QueueFilters, labels: dict[str, str]) -> dict[str, str]:
    """The queue's selects (the filters' with their value chosen, and the bulk change's), each
    as its options' HTML."""
    agents = [(str(a.pk), a.get_full_name() or a.get_username()) for a in desk_agents()]
    teams = [(str(t.pk), t.name) for t in Team.objects.all()]
    statuses = vocabulary_choices(vocabulary.TICKET_STATUSES)
    breach_states = [
        ("breached", labels["breached"]), ("soon", labels["soon"]),
        ("on_track", labels["running"]),
    ]
    return {
        "status_options": options(statuses, filters.status),
        "priority_options": options(
            vocabulary_choices(vocabulary.TICKET_PRIORITIES), filters.priority
        ),
        "kind_options": options(vocabulary_choices(vocabulary.TICKET_KINDS), filters.kind),
        "agent_options": options(agents, filters.agent),
        "team_options": options(teams, filters.team),
        "breach_options": options(breach_states, filters.breach),
        "bulk_agent_options": options(agents),
        "bulk_team_options": options(teams),
        "bulk_status_options": options(statuses),
    }


def _chosen(value: str, rows):  # noqa: ANN001, ANN202 - a row, None ("none") or UNCHANGED
    """A form's choice of agent or team: "" leaves it, "none" clears it, a pk picks it (an
    unknown one leaves it)."""
    if value == "none":
        return None
    found = rows.filter(pk=int(value)).first() if value.isdigit() else None
    return UNCHANGED if found is None else found


def assignee_chosen(value: str):  # noqa: ANN202
    return _chosen(value, User.objects.filter(is_active=True))


def team_chosen(value: str):  # noqa: ANN202
    return _chosen(value, Team.objects.all())


@login_required
@require_POST
def tickets_bulk(request: HttpRequest) -> HttpResponse:
    if not tickets_workable_by(request.user):
        raise PermissionDenied
    ids = [int(i) for i in request.POST.getlist("ticket") if i.isdigit()][:BULK_LIMIT]
    status = request.POST.get("status", "")
    if status and status not in vocabulary.TICKET_STATUSES:
        status = ""
    assignee = assignee_chosen(request.POST.get("assignee", ""))
    team = team_chosen(request.POST.get("team", ""))
    back = reverse("web:tickets") + "?" + request.POST.get("query", "")[:1000]
    if not ids or (not status and assignee is UNCHANGED and team is UNCHANGED):
        messages.error(request, _("Pick tickets and a change to make."))
        return HttpResponseRedirect(back)
    visible = list(tickets_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True))
    outcome = tickets_bulk_change(
        ticket_ids=visible, user=request.user, status=status, assignee=assignee, team=team
    )
    if outcome.changed:
        messages.success(request, _("%(n)s tickets changed.") % {"n": outcome.changed})
        if status == "resolved":  # their satisfaction questions, queued at each commit
            emails_dispatch()
    for reference, reason in outcome.refused:
        messages.error(request, f"{reference}: {reason}")
    return HttpResponseRedirect(back)


class TicketForm(forms.Form):
    customer = forms.CharField(label=gettext_lazy("Customer id"), max_length=64)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=vocabulary_choices(vocabulary.TICKET_KINDS)
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("Priority"),
        choices=vocabulary_choices(vocabulary.TICKET_PRIORITIES),
        initial="normal",
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("What the customer says"), widget=forms.Textarea(attrs={"rows": 5}),
        max_length=50_000, required=False,
    )

    def __init__(self, *args, user, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_customer(self):  # noqa: ANN201
        code = self.cleaned_data["customer"].strip()
        found = customers_visible_to(self.user).filter(external_id=code).first()
        if found is None:
            raise forms.ValidationError(_("No customer has the id %(id)s.") % {"id": code})
        return found


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    if not tickets_workable_by(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = TicketForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = ticket_open(
                    customer=data["customer"], kind=data["kind"], priority=data["priority"],
                    subject=data["subject"], body=data["body"], user=request.user,
                    assignee=opened_ticket_assignee(request.user),
                )
            except TicketRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                return redirect("web:ticket", ticket_id=ticket.pk)
    else:
        initial = {}
        customer_pk = request.GET.get("customer", "")
        if customer_pk.isdigit():
            found = customers_visible_to(request.user).filter(pk=int(customer_pk)).first()
            if found is not None:
                initial["customer"] = found.external_id
        form = TicketForm(user=request.user, initial=initial)
    return render(request, "web/tickets/new.html", {"form": form})


def customer_tickets(*, user, customer, limit: int = 20) -> list[Ticket]:  # noqa: ANN001
    """A customer's tickets for the 360 page, the newest first."""
    rows = tickets_visible_to(user).filter(customer=customer).select_related("assignee")
    return list(rows.order_by("-opened_at", "-id")[:limit])
