"""The activity panel of a customer's and a lead's page: log or plan one in place (htmx), mark
an open one done. The writes are daur.actions.activities'."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from daur.actions.activities import activity_complete, activity_log
from daur.customers.access import customer_activities_writable_by
from daur.customers.selectors import customer_get
from daur.engagement.models import Interaction
from daur.engagement.selectors import activities_of
from daur.leads.selectors import lead_get, lead_writable_by
from daur.web.lead_forms import ActivityForm

PANEL = "web/activities/_panel.html"
PAGE = "web/activities/page.html"


@dataclass
class ActivityPanel:
    post_url: str
    can_log: bool
    form: ActivityForm
    open: list[Interaction] = field(default_factory=list)
    done: list[Interaction] = field(default_factory=list)
    message: str = ""
    now: object = None


def activity_panel(
    *, user, customer=None, lead=None, form: ActivityForm | None = None, message: str = ""  # noqa: ANN001
) -> ActivityPanel:
    """The panel of one customer or one lead, for its page or for an htmx swap."""
    if lead is not None:
        url, can_log = reverse("web:lead_activity", args=[lead.pk]), lead_writable_by(user, lead)
    else:
        url = reverse("web:customer_activity", args=[customer.pk])
        can_log = customer_activities_writable_by(user, customer)
    open_, done = activities_of(customer=customer, lead=lead)
    return ActivityPanel(
        post_url=url, can_log=can_log, form=form or ActivityForm(), open=open_, done=done,
        message=message, now=timezone.now(),
    )


def _respond(request: HttpRequest, panel: ActivityPanel, back: str) -> HttpResponse:
    """The panel for htmx (errors shown in place); without JavaScript, a redirect back, or the
    panel with its errors on a page of its own."""
    if getattr(request, "htmx", None):
        return render(request, PANEL, {"panel": panel})
    if panel.form.errors:
        return render(request, PAGE, {"panel": panel, "back": back}, status=400)
    return redirect(back + "#activities")


def _log(request: HttpRequest, *, customer=None, lead=None, back: str) -> HttpResponse:  # noqa: ANN001
    form = ActivityForm(request.POST)
    args = {"user": request.user, "customer": customer, "lead": lead}
    if form.is_valid():
        try:
            activity_log(**args, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("due_at" if error.code == "due_in_past" else None, error)
        else:
            return _respond(request, activity_panel(**args, message=_("Activity saved.")), back)
    return _respond(request, activity_panel(**args, form=form), back)


@login_required
@require_POST
def customer_activity(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_get(user=request.user, customer_id=customer_id)
    if not customer_activities_writable_by(request.user, customer):
        raise PermissionDenied
    return _log(request, customer=customer, back=reverse("web:customer", args=[customer.pk]))


@login_required
@require_POST
def lead_activity(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_get(user=request.user, lead_id=lead_id)
    if not lead_writable_by(request.user, lead):
        raise PermissionDenied
    return _log(request, lead=lead, back=reverse("web:lead", args=[lead.pk]))


@login_required
@require_POST
def activity_done(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = get_object_or_404(Interaction.objects.only("pk", "customer", "lead"), pk=activity_id)
    if activity.lead_id is not None:
        party = {"lead": lead_get(user=request.user, lead_id=activity.lead_id)}
        allowed, back = lead_writable_by(request.user, party["lead"]), "web:lead"
    else:
        party = {"customer": customer_get(user=request.user, customer_id=activity.customer_id)}
        allowed = customer_activities_writable_by(request.user, party["customer"])
        back = "web:customer"
    if not allowed:
        raise PermissionDenied
    outcome = request.POST.get("outcome", "")
    activity_complete(activity_id=activity.pk, user=request.user, outcome=outcome)
    panel = activity_panel(user=request.user, **party, message=_("Marked done."))
    return _respond(request, panel, reverse(back, args=[next(iter(party.values())).pk]))
