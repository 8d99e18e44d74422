"""The resellers page: the ranking of insights.resellers for a chosen period, rendered."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from daur.insights.period import Period
from daur.insights.resellers import SORTS, reseller_ranking, trend_months
from daur.web.customer_rows import sort_headers
from daur.web.forms import FilterBar, QuickHidden, _select

PAGE_SIZE = 50
DAYS = (30, 90, 180, 365)
DEFAULT_DAYS = 90
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
SPARK_WIDTH, SPARK_HEIGHT = 96, 24


class ResellerPeriodForm(FilterBar, forms.Form):
    days = forms.TypedChoiceField(
        label=_("Period"), required=False, coerce=int, empty_value=DEFAULT_DAYS, widget=_select()
    )
    month = forms.ChoiceField(label=_("or a month"), required=False, widget=_select())
    sort = forms.ChoiceField(required=False, widget=QuickHidden)
    page = forms.IntegerField(required=False, min_value=1, widget=QuickHidden)

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.data.get("days") not in {str(n) for n in DAYS}:  # the select shows the default
            self.data = self.data.copy()
            self.data["days"] = str(DEFAULT_DAYS)
        f = self.fields
        f["days"].choices = [
            (str(n), gettext("the last %(n)s days") % {"n": n}) for n in DAYS
        ]
        months = [
            (f"{first:%Y-%m}", date_format(first, "YEAR_MONTH_FORMAT"))
            for first in reversed(trend_months(Period(today, today), 24))
        ]
        f["month"].choices = [("", "–")] + months
        f["sort"].choices = [(k, k) for k in SORTS]
        self.today = today

    def cleaned(self) -> dict:
        """The valid values; a bad one is dropped (its default used) rather than failing the
        page."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in self.fields}

    def period(self) -> Period:
        """A calendar month when one is chosen (to today when it is the current one), else the
        last `days` days up to today included."""
        data = self.cleaned()
        found = MONTH.match(data.get("month") or "")
        if found:
            year, month = int(found[1]), int(found[2])
            last = date(year, month, calendar.monthrange(year, month)[1])
            return Period(date(year, month, 1), min(last, self.today))
        days = data.get("days") or DEFAULT_DAYS
        return Period(self.today - timedelta(days=days - 1), self.today)


def sparkline(values: tuple[float, ...]) -> str:
    """The `points` of an SVG polyline drawing `values` in SPARK_WIDTH x SPARK_HEIGHT (the
    lowest value, or zero, at the bottom)."""
    if not values:
        return ""
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    step = SPARK_WIDTH / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - 2 - (v - low) / span * (SPARK_HEIGHT - 4):.1f}"
        for i, v in enumerate(values)
    )


@login_required
@require_GET
def resellers(request: HttpRequest) -> HttpResponse:
    """Every role may read it (support agents too, as they read every customer); a sales rep
    sees the resellers they own."""
    form = ResellerPeriodForm(request.GET, today=timezone.localdate())
    data = form.cleaned()
    sort = data.get("sort") or "revenue"
    ranking = reseller_ranking(user=request.user, period=form.period(), sort=sort)
    page = Paginator(ranking.rows, PAGE_SIZE).get_page(data.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "ranking": ranking,
        "page": page,
        "rows": [{"r": r, "spark": sparkline(r.trend)} for r in page.object_list],
        "count": len(ranking.rows),
        "query": query.urlencode(),
        "sort_headers": sort_headers(query, sort, SORTS),
        "spark_width": SPARK_WIDTH,
        "spark_height": SPARK_HEIGHT,
    }
    return render(request, "web/resellers/page.html", context)
