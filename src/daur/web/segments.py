"""The segment pages: the saved segments with their figures now, one segment's figures over the
scoring runs as small SVG charts, and "Save as segment" from the customer list
(docs/segments.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from daur.actions.segments import SegmentRefused, segment_create, segment_delete, segment_update
from daur.campaigns.access import segments_creatable_by, segments_visible_to
from daur.campaigns.models import Segment
from daur.customers.access import sees_all_customers
from daur.customers.query import FilterQueryError, filters_from_query
from daur.insights.segments import (
    SegmentFigures,
    segment_figures,
    segment_figures_stored,
    segment_history,
)
from daur.insights.services import latest_run
from daur.web.dashboard import base_currency

# The plot area of each history chart, in the SVG's coordinates (viewBox 0 0 360 168): the
# labels sit above and below it, never beside it, so that a phone's width is the plot's.
CHART_LEFT, CHART_WIDTH, CHART_TOP, CHART_HEIGHT = 8, 344, 36, 94


@dataclass(frozen=True)
class SegmentRow:
    segment: Segment
    figures: SegmentFigures | None  # None: its stored query no longer reads
    as_of: date | None = None  # the scoring run's date of recorded figures; None: counted now


def _figures(segment: Segment, user) -> SegmentFigures | None:  # noqa: ANN001 - a User
    try:
        return segment_figures(segment, user)
    except ValueError:
        return None


def segment_rows(segments: list[Segment], user, *, now: bool = False) -> list[SegmentRow]:  # noqa: ANN001
    """Each segment with its figures as the latest scoring run recorded them while the filter is
    still the same (adding up a million customers and their orders takes seconds a segment):
    the whole base's, or a sales rep's own customers'; counted now when `now` or not recorded."""
    owner = None if sees_all_customers(user) else user.pk
    stored = {} if now else segment_figures_stored(segments, owner)
    rows = []
    for segment in segments:
        found = stored.get(segment.pk)
        if found is not None and not _unreadable(segment):  # one that no longer reads says so
            rows.append(SegmentRow(segment, found.figures, found.as_of))
        else:
            rows.append(SegmentRow(segment, _figures(segment, user)))
    return rows


def _visible(request: HttpRequest) -> None:
    if not segments_visible_to(request.user):
        raise PermissionDenied


@login_required
@require_GET
def segments(request: HttpRequest) -> HttpResponse:
    _visible(request)
    rows = segment_rows(list(Segment.objects.all()), request.user)
    # The run's date is said once above the table; a row says so only where it differs (a
    # segment saved or changed since the run, counted now).
    dates = {row.as_of for row in rows if row.figures}
    context = {
        "rows": rows,
        "recorded_on": max((d for d in dates if d is not None), default=None),
        "currency": base_currency(latest_run()),
        "sees_all": sees_all_customers(request.user),
    }
    return render(request, "web/segments/list.html", context)


@dataclass(frozen=True)
class Chart:
    title: str
    points: str  # the polyline's "x,y x,y"
    dots: list[dict]  # x, y, the run's date and the value, for the <title> of each
    low: float
    high: float
    money: bool


def _chart(title: str, values: list[tuple[str, float]], *, money: bool) -> Chart:
    numbers = [v for _, v in values]
    low, high = min(numbers + [0.0]), max(numbers + [0.0])
    span = (high - low) or 1.0
    step = CHART_WIDTH / (len(values) - 1) if len(values) > 1 else 0
    dots = []
    for i, (when, value) in enumerate(values):
        x = round(CHART_LEFT + i * step, 1)
        y = round(CHART_TOP + CHART_HEIGHT * (high - value) / span, 1)
        dots.append({"x": x, "y": y, "when": when, "value": value})
    points = " ".join(f"{d['x']},{d['y']}" for d in dots)
    return Chart(title, points, dots, low, high, money)


def history_charts(segment: Segment) -> list[Chart]:
    history = segment_history(segment)
    if not history:
        return []
    when = [str(s.run.as_of or s.run.started_at.date()) for s in history]
    return [
        _chart(gettext("Size"), list(zip(when, [float(s.size) for s in history])), money=False),
        _chart(gettext("Revenue"), list(zip(when, [s.revenue for s in history])), money=True),
        _chart(gettext("Predicted CLV"), list(zip(when, [s.clv for s in history])), money=True),
    ]


@login_required
@require_GET
def segment_detail(request: HttpRequest, segment_id: int) -> HttpResponse:
    _visible(request)
    segment = get_object_or_404(Segment, pk=segment_id)
    sees_all = sees_all_customers(request.user)
    row = segment_rows([segment], request.user, now=request.GET.get("now") == "1")[0]
    context = {
        "segment": segment,
        "figures": row.figures,
        "as_of": row.as_of,
        "unreadable": _unreadable(segment),
        "can_edit": segments_creatable_by(request.user),
        "edit_name": segment.name,
        "edit_query": segment.query,
        "currency": base_currency(latest_run()),
        "sees_all": sees_all,
        # The stored figures are the whole base's: a sales rep sees their own customers' only.
        "charts": history_charts(segment) if sees_all else [],
    }
    return render(request, "web/segments/detail.html", context)


def _unreadable(segment: Segment) -> str:
    """Why the segment's stored filter no longer reads ("" when it does)."""
    try:
        filters_from_query(segment.query)
    except FilterQueryError as error:
        return str(error)
    return ""


def _editable(request: HttpRequest, segment_id: int) -> Segment:
    if not segments_creatable_by(request.user):
        raise PermissionDenied
    return get_object_or_404(Segment, pk=segment_id)


@login_required
@require_POST
def segment_edit(request: HttpRequest, segment_id: int) -> HttpResponse:
    """Rename the segment or change its filter; a refusal shows the page again with the typed
    values and the reason (nothing is written)."""
    segment = _editable(request, segment_id)
    name, query = request.POST.get("name", ""), request.POST.get("query", "")
    try:
        segment_update(segment=segment, name=name, query=query)
    except SegmentRefused as refusal:
        segment.refresh_from_db()
        context = {
            "segment": segment,
            "figures": _figures(segment, request.user),
            "unreadable": _unreadable(segment),
            "currency": base_currency(latest_run()),
            "sees_all": sees_all_customers(request.user),
            "charts": history_charts(segment) if sees_all_customers(request.user) else [],
            "can_edit": True,
            "edit_open": True,
            "edit_error": str(refusal),
            "edit_name": name[:200],
            "edit_query": query[:2000],
        }
        return render(request, "web/segments/detail.html", context, status=400)
    messages.success(request, gettext("The segment is saved."))
    return HttpResponseRedirect(reverse("web:segment", args=[segment.pk]))


@login_required
@require_POST
def segment_remove(request: HttpRequest, segment_id: int) -> HttpResponse:
    """Delete the segment once the confirmation box is ticked."""
    segment = _editable(request, segment_id)
    back = reverse("web:segment", args=[segment.pk])
    if request.POST.get("confirm") != "yes":
        messages.error(request, gettext("Tick the box to confirm the deletion."))
        return HttpResponseRedirect(back)
    try:
        segment_delete(segment=segment)
    except SegmentRefused as refusal:
        messages.error(request, str(refusal))
        return HttpResponseRedirect(back)
    done = gettext("The segment “%(name)s” is deleted.") % {"name": segment.name}
    messages.success(request, done)
    return HttpResponseRedirect(reverse("web:segments"))


@login_required
@require_POST
def segment_new(request: HttpRequest) -> HttpResponse:
    if not segments_creatable_by(request.user):
        raise PermissionDenied
    query = request.POST.get("query", "")
    try:
        segment = segment_create(
            name=request.POST.get("name", ""), query=query, user=request.user
        )
    except SegmentRefused as refusal:
        messages.error(request, str(refusal))
        back = reverse("web:customers")
        return HttpResponseRedirect(f"{back}?{_safe(query)}")
    return HttpResponseRedirect(reverse("web:segment", args=[segment.pk]))


def _safe(query: str) -> str:
    """The list's query, re-encoded (never a header injection or another host)."""
    from urllib.parse import parse_qsl

    try:
        pairs = parse_qsl(query.removeprefix("?")[:2000], keep_blank_values=True)
    except ValueError:
        return ""
    return urlencode(pairs)
