"""The lead pipeline's pages: the board (kanban), the list, one lead; and the stage move."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from daur import vocabulary
from daur.accounts.models import Role
from daur.actions.leads import LeadStageConflict, lead_stage_change
from daur.leads.cache import PipelineStamp
from daur.leads.flow import pipeline_flow
from daur.leads.listing import lead_list
from daur.leads.selectors import (
    SORTS,
    lead_get,
    lead_stage_history,
    lead_writable_by,
    leads_readable_by,
    pipeline_board,
)
from daur.web.activities import activity_panel
from daur.web.customer_rows import sort_headers
from daur.web.dashboard import base_currency
from daur.web.htmx import render_page
from daur.web.labels import label
from daur.web.lead_cards import CardWriter
from daur.web.lead_forms import LeadFilterForm, StageMoveForm
from daur.web.lead_rows import lead_rows

NEXT_STAGE = {"new": "contacted", "contacted": "qualified", "qualified": "proposal",
              "proposal": "won"}
PREVIOUS_STAGE = {"contacted": "new", "qualified": "contacted", "proposal": "qualified",
                  "won": "proposal", "lost": "proposal"}


def _readable(request: HttpRequest) -> None:
    if not leads_readable_by(request.user):
        raise PermissionDenied


def moves_leads(user) -> bool:  # noqa: ANN001 - a User
    """Whether the board shows move controls (each lead it shows is then the user's to move)."""
    return user.sees_everything or user.role == Role.SALES_REP


def _board_context(request: HttpRequest, data, *, message: str = "", moved: int | None = None):  # noqa: ANN001, ANN202
    form = LeadFilterForm(data, user=request.user, board=True)
    stamp = PipelineStamp()  # the totals and the flow of this page: one read of the pipeline
    can_move = moves_leads(request.user)
    currency = base_currency(None)
    writer = CardWriter(request, currency=currency, can_move=can_move)
    query = data.copy()
    for key in ("csrfmiddlewaretoken", "to_stage", "expected_stage", "lost_reason", "panel"):
        query.pop(key, None)
    return {
        "form": form,
        "columns": [
            {
                "column": c,
                "cards": [
                    writer.card(lead, previous=PREVIOUS_STAGE.get(c.stage),
                                next_=NEXT_STAGE.get(c.stage))
                    for lead in c.cards
                ],
            }
            for c in pipeline_board(user=request.user, filters=form.filters(), stamp=stamp)
        ],
        "can_move": can_move,
        "lost_reasons": vocabulary.LEAD_LOST_REASONS,
        "currency": currency,
        "query": query.urlencode(),
        "message": message,
        "moved": moved,
        "stamp": stamp,
    }


@login_required
@require_GET
def leads_board(request: HttpRequest) -> HttpResponse:
    _readable(request)
    context = _board_context(request, request.GET)
    if not getattr(request, "htmx", None):  # the flow sits outside the part htmx swaps
        context["flow"] = pipeline_flow(
            user=request.user, filters=context["form"].filters(), stamp=context["stamp"]
        )
    return render_page(request, "web/leads/board.html", "web/leads/_board.html", context)


@login_required
@require_GET
def leads_list(request: HttpRequest) -> HttpResponse:
    _readable(request)
    form = LeadFilterForm(request.GET, user=request.user)
    filters = form.filters()
    page = lead_list(user=request.user, filters=filters)
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("page", None)  # of an older link
    currency = base_currency(None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "rows": lead_rows(page.leads, currency=currency),
        "count": page.shown_count,
        "count_capped": page.capped,
        "sort_headers": sort_headers(query, filters.sort or "created", SORTS),
        "filtered": any(v for k, v in request.GET.items() if k not in ("cursor", "page", "sort")),
        "currency": currency,
        "now": timezone.now(),
    }
    return render_page(request, "web/leads/list.html", "web/leads/_table.html", context)


def _lead_context(request: HttpRequest, lead, *, message: str = "") -> dict:  # noqa: ANN001
    return {
        "lead": lead,
        "can_move": lead_writable_by(request.user, lead) and lead.converted_customer_id is None,
        "next_stage": NEXT_STAGE.get(lead.stage),
        "previous_stage": PREVIOUS_STAGE.get(lead.stage),
        "history": lead_stage_history(lead),
        "lost_reasons": vocabulary.LEAD_LOST_REASONS,
        "now": timezone.now(),
        "currency": base_currency(None),
        "message": message,
    }


@login_required
@require_GET
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    _readable(request)
    lead = lead_get(user=request.user, lead_id=lead_id)
    context = _lead_context(request, lead)
    context["panel"] = activity_panel(user=request.user, lead=lead)
    return render(request, "web/leads/detail.html", context)


@login_required
@require_POST
def lead_stage(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Move a lead (a drop on the board, or a button): the board or the lead's stage panel back,
    saying what happened; a redirect for a browser without JavaScript."""
    _readable(request)
    lead = lead_get(user=request.user, lead_id=lead_id)
    if not lead_writable_by(request.user, lead):
        raise PermissionDenied
    form = StageMoveForm(request.POST)
    status, moved = 400, None
    if not form.is_valid():
        message = _("Choose a stage to move the lead to.")
    else:
        data = form.cleaned_data
        try:
            lead_stage_change(
                lead=lead, to_stage=data["to_stage"], expected_stage=data["expected_stage"],
                lost_reason=data["lost_reason"], user=request.user,
            )
        except LeadStageConflict as conflict:
            status = 409
            message = _("%(lead)s was moved to %(stage)s by someone else first.") % {
                "lead": lead.name, "stage": label("lead_stage", conflict.current_stage),
            }
        except ValidationError as error:
            message = " ".join(error.messages)
        else:
            status, moved = 200, lead.pk
            message = _("%(lead)s moved to %(stage)s.") % {
                "lead": lead.name, "stage": label("lead_stage", lead.stage),
            }
    on_lead_page = request.POST.get("panel") == "lead"
    if not getattr(request, "htmx", None):
        messages.add_message(request, messages.SUCCESS if moved else messages.ERROR, message)
        back = reverse("web:lead", args=[lead.pk]) if on_lead_page else reverse("web:leads")
        return redirect(back)
    if on_lead_page:
        lead = lead_get(user=request.user, lead_id=lead_id)
        context = _lead_context(request, lead, message=message)
        response = render(request, "web/leads/_stage.html", context)
    else:
        context = _board_context(request, request.POST, message=message, moved=moved)
        response = render(request, "web/leads/_board.html", context)
    response["X-Daur-Outcome"] = str(status)  # htmx swaps 2xx only: the outcome travels here
    return response
