"""The acquisition page at /acquisition/: it reads a period and a channel, asks
daur.insights.acquisition_page for the figures of the user's scope and renders them.

Roles: a sales rep sees the customers and leads they own; admins, managers and marketers the
whole base; support agents have no access (403) — acquisition is a sales and marketing matter,
like the lead pipeline it reads.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from daur import vocabulary
from daur.customers.selectors import sees_all_customers
from daur.insights.acquisition import Scope
from daur.insights.acquisition_page import AcquisitionPage, acquisition_page_compute
from daur.insights.kpis import period_resolve
from daur.insights.period import Period
from daur.leads.selectors import leads_readable_by
from daur.web.labels import label_choices

EARLIEST = date(1900, 1, 1)
LATEST = date(9999, 1, 1)
MAX_DAYS = 3653


class AcquisitionFilterForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", _("Any"))] + label_choices(
            "channel", vocabulary.ACQUISITION_CHANNELS
        )
        for name in ("date_from", "date_to"):
            self.fields[name].widget = forms.DateInput(
                attrs={"type": "date", "class": "form-control form-control-sm"}
            )
        self.fields["channel"].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self) -> dict:
        data = super().clean()
        for name in ("date_from", "date_to"):
            day = data.get(name)
            if day is not None and not EARLIEST <= day < LATEST:
                self.add_error(name, _("Enter a date between 1900 and 9998."))
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The period ends before it starts."))
        return data

    def chosen(self) -> tuple[date | None, date | None, str]:
        """The valid choices; an invalid one falls back to its default."""
        self.is_valid()
        data, errors = getattr(self, "cleaned_data", {}), self.errors
        end = None if "date_to" in errors else data.get("date_to")
        start = None if errors.keys() & {"date_from", "date_to"} else data.get("date_from")
        return start, end, "" if "channel" in errors else data.get("channel", "")

    def period(self) -> Period:
        """The chosen period; the default one (12 months up to the latest order) for what is
        invalid, or longer than MAX_DAYS (one cohort column per month: the page stays small)."""
        start, end, _channel = self.chosen()
        try:
            period = period_resolve(date_from=start, date_to=end)
        except ValueError:  # a start after the latest order
            self.add_error("date_from", _("The period ends before it starts."))
            return period_resolve(date_from=None, date_to=None)
        if period.days > MAX_DAYS:
            self.add_error("date_from", _("Choose a period of at most ten years."))
            return period_resolve(date_from=None, date_to=period.date_to)
        return period


@login_required
@require_GET
def acquisition(request: HttpRequest) -> HttpResponse:
    if not leads_readable_by(request.user):
        raise PermissionDenied
    data = request.GET.copy()
    form = AcquisitionFilterForm(data)
    period = form.period()
    channel = form.chosen()[2]
    # The inputs show the period the figures are of (the default one when none was chosen).
    data["date_from"], data["date_to"] = period.date_from.isoformat(), period.date_to.isoformat()
    owner_id = None if sees_all_customers(request.user) else request.user.pk
    page = acquisition_page_compute(period=period, scope=Scope(owner_id=owner_id, channel=channel))
    return render(
        request,
        "web/acquisition/page.html",
        {
            "a": page,
            "form": form,
            "scoped": owner_id is not None,
            "bars": month_bars(page),
            "cohorts": cohort_rows(page),
            "cohort_months": range(1, len(page.cohorts.cohorts)),
        },
    )


def month_bars(page: AcquisitionPage) -> list[dict]:
    """The monthly acquisitions as bars in the chart's coordinates (a 470 x 150 plot area)."""
    count, top = len(page.months), page.month_max or 1
    width = 470 / count if count else 0
    every = max(1, -(-count // 6))  # at most 6 month labels: they fit on a phone
    bars = []
    for i, month in enumerate(page.months):
        height = round(150 * month.acquired / top, 1)
        bars.append(
            {"x": round(42 + i * width, 1), "y": round(160 - height, 1),
             "w": round(max(width - 2, 1), 1), "h": height, "month": month.month,
             "n": month.acquired, "tick": i % every == 0, "mid": round(42 + (i + 0.5) * width, 1)}
        )
    return bars


def cohort_rows(page: AcquisitionPage) -> list[dict]:
    """Each cohort with its months after acquisition as (customers, share, heat class)."""
    rows = []
    for cohort in page.cohorts.cohorts:
        cells = [
            (n, share, f"heat-{round((share or 0) * 10)}")
            for n, share in zip(cohort.retained, cohort.retention, strict=True)
        ]
        rows.append({"cohort": cohort, "cells": cells})
    return rows
