"""The sales-activity recap at /activity/: every rep for managers, admins and marketers (read
only), a sales rep's own recap for a sales rep; support agents have no access."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from daur import vocabulary
from daur.accounts.models import Role
from daur.insights.activity_recap import (
    PERIOD_CHOICES,
    ActivityRecap,
    RepRecap,
    activity_recap_compute,
    named_period,
)
from daur.insights.period import Period
from daur.web.dashboard import base_currency
from daur.web.forms import FilterBar, _select
from daur.web.labels import label, translated_names

# A custom period stays within these years: the moments of its ends exist in every time zone.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
PERIOD_LABELS = {
    "latest": _("Latest month with activity"),
    "week": _("This week"),
    "month": _("This month"),
    "last_month": _("Last month"),
    "custom": _("Custom"),
}


def _date_input() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"})


class PeriodForm(FilterBar, forms.Form):
    period = forms.ChoiceField(label=_("Period"), required=False, widget=_select())
    date_from = forms.DateField(label=_("From"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_input())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(p, PERIOD_LABELS[p]) for p in PERIOD_CHOICES]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("period") != "custom":
            return data
        first, last = data.get("date_from"), data.get("date_to")
        if first is None or last is None:
            raise forms.ValidationError(_("A custom period needs a first and a last day."))
        if first > last:
            raise forms.ValidationError(_("The first day is after the last day."))
        if first < FIRST_DAY or last > LAST_DAY:
            raise forms.ValidationError(_("Choose days between 1900 and 2999."))
        return data

    def chosen_period(self) -> Period:
        """The period asked for; the default (the latest month with activity) when the form is
        empty or wrong."""
        if not self.is_valid():
            return named_period("latest")
        data = self.cleaned_data
        if data.get("period") == "custom":
            return Period(data["date_from"], data["date_to"])
        return named_period(data.get("period") or "latest")


def _reads_all(user) -> bool:  # noqa: ANN001 - a User
    """Managers and admins see every rep; marketers too, read-only like the whole page."""
    return user.sees_everything or user.role == Role.MARKETER


def _readable(user) -> None:  # noqa: ANN001 - a User
    if user.role == Role.SUPPORT_AGENT and not user.is_superuser:
        raise PermissionDenied


def _lines(recap: RepRecap) -> dict:
    """A rep's figures named in the active language, for the one-rep page."""
    names = translated_names()
    return {
        "kinds": [
            (label("activity", k, names), n)
            for k in vocabulary.INTERACTION_KINDS if (n := recap.by_kind.get(k))
        ],
        "lost_reasons": sorted(
            ((label("lost_reason", r, names) or _("No reason given"), n)
             for r, n in recap.lost_reasons.items()),
            key=lambda item: -item[1],
        ),
        "pipeline": [
            (label("lead_stage", s, names), *recap.pipeline.get(s, (0, 0)))
            for s in vocabulary.OPEN_LEAD_STAGES
        ],
    }


def _context(request: HttpRequest, recap: ActivityRecap, form: PeriodForm) -> dict:
    return {
        "recap": recap,
        "form": form,
        "query": request.GET.urlencode(),
        "currency": base_currency(None),
        "kinds": [(k, label("activity", k)) for k in recap.kinds],
    }


@login_required
@require_GET
def activity_recap(request: HttpRequest) -> HttpResponse:
    """Every rep (a table with a total row), or a sales rep's own recap."""
    user = request.user
    _readable(user)
    if not _reads_all(user):
        return _one(request, user.pk)
    form = PeriodForm(request.GET)
    recap = activity_recap_compute(period=form.chosen_period())
    rows = [(row, [row.by_kind.get(k, 0) for k in recap.kinds]) for row in recap.reps]
    total = [recap.total.by_kind.get(k, 0) for k in recap.kinds]
    context = _context(request, recap, form) | {"rows": rows, "total_kinds": total}
    return render(request, "web/activity/recap.html", context)


@login_required
@require_GET
def activity_rep(request: HttpRequest, user_id: int) -> HttpResponse:
    user = request.user
    _readable(user)
    if not _reads_all(user) and user.pk != user_id:
        raise Http404("No such rep.")
    return _one(request, user_id)


def _one(request: HttpRequest, user_id: int) -> HttpResponse:
    if not get_user_model().objects.filter(pk=user_id).exists():
        raise Http404("No such rep.")
    form = PeriodForm(request.GET)
    recap = activity_recap_compute(period=form.chosen_period(), user_ids=[user_id])
    rep = recap.reps[0]
    context = _context(request, recap, form) | {
        "rep": rep, "lines": _lines(rep), "reads_all": _reads_all(request.user),
    }
    return render(request, "web/activity/rep.html", context)
