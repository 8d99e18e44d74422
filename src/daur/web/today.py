"""A sales rep's day at /today/: the worklist (daur.insights.worklist), done or snoozed in place.

Roles: a sales rep sees their own worklist, and passing another rep's id is a 404. Admins and
managers see their own and, with the rep selector, any active sales rep's — read only: the
marks are the rep's own. Marketers and support agents own no customers or leads to work: the
page is a 403 for them and the navigation does not link it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from daur.accounts.models import Role, User
from daur.actions.worklist import worklist_done, worklist_snooze
from daur.customers.access import customer_activities_writable_by
from daur.customers.selectors import customer_get
from daur.engagement.models import Interaction
from daur.insights.services import latest_run
from daur.insights.worklist import rep_worklist
from daur.leads.selectors import lead_get, lead_writable_by
from daur.web.dashboard import base_currency
from daur.web.lead_score_words import factor_words

LEAD_NEXT_ACTIONS = {
    "new": gettext_lazy("Make the first contact"),
    "contacted": gettext_lazy("Qualify the need and the budget"),
    "qualified": gettext_lazy("Send a proposal"),
    "proposal": gettext_lazy("Follow up to close"),
}
SNOOZE_CHOICES = (1, 7, 30)


def today_readable_by(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.sees_everything or user.role == Role.SALES_REP)
    )


def _reps(viewer: User) -> list[User]:
    """Whose worklist a manager may open: the active sales reps, and their own."""
    reps = User.objects.filter(is_active=True, role=Role.SALES_REP).order_by("username")
    return [viewer, *(rep for rep in reps if rep.pk != viewer.pk)]


def _rep(request: HttpRequest) -> User:
    chosen = request.GET.get("rep", "")
    if not chosen or chosen == str(request.user.pk):
        return request.user
    if not request.user.sees_everything or not chosen.isdigit():
        raise Http404("No such worklist.")
    return get_object_or_404(User, pk=int(chosen), is_active=True, role=Role.SALES_REP)


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    if not today_readable_by(request.user):
        raise PermissionDenied
    from daur.web.today_rows import RowWriter  # it uses the template tags, which import this

    rep = _rep(request)
    worklist = rep_worklist(rep=rep, now=timezone.now())
    own = rep.pk == request.user.pk
    writer = RowWriter(
        request, own=own, currency=base_currency(latest_run()), snooze_days=SNOOZE_CHOICES
    )
    context = {
        "worklist": worklist,
        "own": own,
        "reps": _reps(request.user) if request.user.sees_everything else [],
        "customer_rows": [writer.customer(item) for item in worklist.customers.items],
        # A lead's reason: the factors that moved its score most, in words; its next action by
        # its stage.
        "lead_rows": [
            writer.lead(
                item, [factor_words(f) for f in item.factors], LEAD_NEXT_ACTIONS.get(item.stage, "")
            )
            for item in worklist.leads.items
        ],
        "activity_rows": [writer.activity(item) for item in worklist.activities.items],
    }
    return render(request, "web/today/page.html", context)


def _check_item(user: User, kind: str, item_id: int) -> None:
    """A 404 for an item the user cannot see, a 403 for one they may not work on."""
    if kind == "customer":
        customer = customer_get(user=user, customer_id=item_id)
        allowed = customer_activities_writable_by(user, customer)
    elif kind == "lead":
        allowed = lead_writable_by(user, lead_get(user=user, lead_id=item_id))
    elif kind == "activity":
        activity = get_object_or_404(Interaction.objects.only("pk", "customer", "lead"), pk=item_id)
        if activity.lead_id is not None:
            allowed = lead_writable_by(user, lead_get(user=user, lead_id=activity.lead_id))
        else:
            customer = customer_get(user=user, customer_id=activity.customer_id)
            allowed = customer_activities_writable_by(user, customer)
    else:
        raise Http404("No such item.")
    if not allowed:
        raise PermissionDenied


@login_required
@require_POST
def today_mark(request: HttpRequest) -> HttpResponse:
    """Mark one item done or snoozed: the row's new state for htmx, else back to the list."""
    if not today_readable_by(request.user):
        raise PermissionDenied
    kind, item = request.POST.get("kind", ""), request.POST.get("item", "")
    if not item.isdigit():
        raise Http404("No such item.")
    _check_item(request.user, kind, int(item))
    status = 200
    try:
        if request.POST.get("mark") == "done":
            worklist_done(user=request.user, kind=kind, item_id=int(item))
            message = _("Done.")
        else:
            days = request.POST.get("days", "")
            days = int(days) if days.isdigit() else 0
            mark = worklist_snooze(user=request.user, kind=kind, item_id=int(item), days=days)
            message = _("Snoozed until %(day)s.") % {
                "day": timezone.localtime(mark.snoozed_until).date().isoformat()
            }
    except ValidationError as error:
        status, message = 400, " ".join(error.messages)
    if not getattr(request, "htmx", None):
        if status == 200:
            return redirect("web:today")
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    response = render(request, "web/today/_marked.html", {"message": message, "ok": status == 200})
    response["X-Daur-Outcome"] = str(status)
    return response

