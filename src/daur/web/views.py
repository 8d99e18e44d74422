"""Views of the web application: thin, they validate input, call selectors and render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from daur.analytics.lifecycle import PROSPECT_STAGES
from daur.analytics.strategy import ACTIONS
from daur.campaigns.access import segments_creatable_by
from daur.customers.access import (
    customer_editable_by,
    customers_creatable_by,
    customers_exportable_by,
    sees_all_customers,
)
from daur.customers.history import customer_history
from daur.customers.query import filters_query
from daur.customers.selectors import (
    COUNT_CAP,
    customer_connections,
    customer_count,
    customer_export_rows,
    customer_get,
    customer_list,
)
from daur.customers.timeline import TimelinePosition, customer_timeline
from daur.insights.explain import customer_explanation
from daur.insights.runs import run_under_way
from daur.insights.services import latest_run
from daur.sales.selectors import reseller_customers, resold_orders
from daur.servicedesk.access import tickets_workable_by
from daur.web.activities import activity_panel
from daur.web.customer_export import export_lines
from daur.web.customer_history import history_entries
from daur.web.customer_profile import (
    customer_currency,
    customer_facts_html,
    value_facts_html,
)
from daur.web.customer_rows import customer_rows, customer_rows_html, score_of, sort_headers
from daur.web.dashboard import base_currency, dashboard_summary
from daur.web.forms import CustomerFilterForm
from daur.web.htmx import render_page
from daur.web.lead_score_words import customer_lead_scores
from daur.web.mail import consent_card
from daur.web.model_page import model_page
from daur.web.tickets import customer_tickets
from daur.web.timeline_rows import timeline_rows_html


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {"d": dashboard_summary(user=request.user), "running": run_under_way()}
    return render(request, "web/dashboard/page.html", context)


@login_required
@require_GET
def models(request: HttpRequest) -> HttpResponse:
    """The last run's fits, model choice and calibration plot: read-only, for every role."""
    context = {"m": model_page(latest_run()), "sees_all": sees_all_customers(request.user)}
    return render(request, "web/model/page.html", context)


@login_required
@require_GET
def customers(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET, user=request.user)
    filters = form.filters()
    page = customer_list(user=request.user, filters=filters)
    query = request.GET.copy()
    query.pop("cursor", None)
    count = customer_count(user=request.user, filters=filters)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "count": min(count, COUNT_CAP),
        "count_capped": count > COUNT_CAP,
        "sort_headers": sort_headers(query, page.sort),
        "filtered": any(v for k, v in request.GET.items() if k not in ("cursor", "sort", "match")),
        "can_export": customers_exportable_by(request.user),
        "can_create": customers_creatable_by(request.user),
        "sees_all": sees_all_customers(request.user),
        "first_page": not filters.cursor,
        "can_segment": segments_creatable_by(request.user),
        "segment_query": filters_query(filters.without_cursor()),
    }
    context["rows"] = customer_rows(page.customers, currency=base_currency(latest_run()))
    context["rows_html"] = customer_rows_html(context["rows"])
    return render_page(
        request, "web/customers/list.html", "web/customers/_table.html", context
    )


@login_required
@require_GET
def customers_export(request: HttpRequest) -> StreamingHttpResponse:
    if not customers_exportable_by(request.user):
        raise PermissionDenied
    filters = CustomerFilterForm(request.GET, user=request.user).filters().without_cursor()
    rows = customer_export_rows(user=request.user, filters=filters)
    stream = export_lines(rows, currency=base_currency(latest_run()))
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="customers.csv"'
    return response


@login_required
@require_GET
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_get(user=request.user, customer_id=customer_id)
    score = score_of(customer)
    run = latest_run()
    explanation = (
        customer_explanation(customer_id=customer.pk, score=score, run=run) if score else None
    )
    timeline = customer_timeline(customer_id=customer.pk)
    connections = customer_connections(user=request.user, customer=customer)
    currency = base_currency(run)
    strategy = (explanation.strategy if explanation else "") or (score.strategy if score else "")
    actions = (explanation.actions if explanation and explanation.actions else None) or ACTIONS.get(
        strategy, ()
    )
    context = {
        "base_currency": currency,
        "can_export": customers_exportable_by(request.user),
        "can_edit": customer_editable_by(request.user, customer),
        "history": history_entries(customer_history(customer_id=customer.pk)),
        "customer": customer,
        "score": score,
        "explanation": explanation,
        "strategy": strategy,
        "actions": actions,
        "reasons": score.strategy_reasons if score else "",
        "stage_changes": timeline.stage_history,
        "timeline": timeline,
        "timeline_html": timeline_rows_html(timeline),
        "connections": connections,
        "customer_facts": customer_facts_html(customer, connections),
        "consent": consent_card(request.user, customer),
        "resold": _resold(request, customer),
        "panel": activity_panel(user=request.user, customer=customer),
        "tickets": customer_tickets(user=request.user, customer=customer),
        "can_open_ticket": tickets_workable_by(request.user),
        # A prospect's open leads, scored (the lead pages show every lead's).
        "lead_scores": (
            customer_lead_scores(customer_id=customer.pk)
            if not score or score.lifecycle_stage in PROSPECT_STAGES
            else []
        ),
        "value_facts": (
            value_facts_html(score, currency, customer_currency(customer.pk)) if score else ""
        ),
    }
    return render(request, "web/customers/detail.html", context)


def _resold(request: HttpRequest, customer) -> dict | None:  # noqa: ANN001 - a Customer
    """A reseller's resold orders and served customers, each paged by its own parameter."""
    if customer.relationship != "intermediary":
        return None
    args = {"user": request.user, "reseller": customer}
    return {
        "orders": resold_orders(**args, page=request.GET.get("orders_page")),
        "customers": reseller_customers(**args, page=request.GET.get("served_page")),
    }


@login_required
@require_GET
def customer_timeline_more(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_get(user=request.user, customer_id=customer_id)
    before = TimelinePosition.parse(request.GET.get("before", ""))
    timeline = customer_timeline(customer_id=customer.pk, before=before)
    context = {
        "customer": customer,
        "timeline": timeline,
        "timeline_html": timeline_rows_html(timeline),
    }
    return render(request, "web/customers/_timeline.html", context)
