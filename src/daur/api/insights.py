"""What the scoring job found: lead scores, the KPIs of a period, the open alerts."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from daur.api.errors import ERRORS, ApiError
from daur.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_make, cursor_read
from daur.customers.access import sees_all_customers
from daur.insights.kpis import kpis_compute
from daur.insights.models import LeadScore
from daur.leads.selectors import leads_visible_to
from daur.web.dashboard import _alerts as alerts_of

router = Router(tags=["insights"])


class LeadScoreRow(Schema):
    lead_id: str
    win_probability: float
    basis: str
    as_of: date
    factors: list[dict[str, Any]]


class PageParams(Schema):
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


# The KPIs compare a period with the year before it: days far from now have no such year.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


class KpiParams(Schema):
    date_from: date | None = Field(None, ge=FIRST_DAY, le=LAST_DAY,
                                   description="First day (default: a year before the last "
                                               "order)")
    date_to: date | None = Field(None, ge=FIRST_DAY, le=LAST_DAY,
                                 description="Last day, included")


class AlertOut(Schema):
    id: int
    as_of: date
    segment_kind: str
    segment: str
    metric: str
    expected: float
    observed: float
    change: float
    p_value: float
    window_days: int
    customer_count: int = Field(description="Customers in the segment")
    customers: int = Field(description="Customers behind the drop (for a sales rep: the rep's)")


@router.get("/lead-scores", response={200: Page[LeadScoreRow], **ERRORS},
            operation_id="lead_scores", summary="Open leads' win probabilities, highest first")
def lead_scores(request: HttpRequest, params: Query[PageParams]) -> dict:
    qs = LeadScore.objects.filter(lead__in=leads_visible_to(request.user)).order_by(
        "-win_probability", "-lead_id"
    )
    if params.cursor:
        carried = cursor_read("lead_scores", params.cursor)
        if not (isinstance(carried, list) and len(carried) == 2
                and all(isinstance(v, int | float) for v in carried)):
            raise ApiError(400, "cursor: is not a cursor this list gave out")
        probability, last = carried
        qs = qs.filter(Q(win_probability__lt=probability)
                       | Q(win_probability=probability, lead_id__lt=last))
    rows = list(qs.values("lead__external_id", "lead_id", "win_probability", "basis", "as_of",
                          "factors")[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    cursor = (cursor_make("lead_scores", [rows[-1]["win_probability"], rows[-1]["lead_id"]])
              if more else None)
    data = [{"lead_id": r["lead__external_id"], "win_probability": r["win_probability"],
             "basis": r["basis"], "as_of": r["as_of"], "factors": r["factors"] or []}
            for r in rows]
    return {"data": data, "next_cursor": cursor, "has_more": more}


def _plain(value: Any) -> Any:
    """A KPI dataclass as JSON-ready values."""
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


@router.get("/kpis", response={200: dict[str, Any], **ERRORS}, operation_id="kpis",
            summary="The KPIs of the life cycle over a period (SPEC §1.7)")
def kpis(request: HttpRequest, params: Query[KpiParams]) -> dict:
    if not sees_all_customers(request.user):
        raise ApiError(403, "The KPIs cover the whole base: not for a sales rep's role.")
    if params.date_from and params.date_to and params.date_to < params.date_from:
        raise ApiError(422, "date_to: is before date_from",
                       [{"field": "date_to", "reason": "is before date_from"}])
    return _plain(kpis_compute(date_from=params.date_from, date_to=params.date_to))


@router.get("/alerts", response={200: list[AlertOut], **ERRORS}, operation_id="alerts",
            summary="The open alerts (for a sales rep, those touching the rep's customers)")
def alerts(request: HttpRequest) -> list[dict]:
    owner = None if sees_all_customers(request.user) else request.user.pk
    out = []
    for row in alerts_of(owner):
        a = row.alert
        out.append({"id": a.pk, "as_of": a.as_of, "segment_kind": a.segment_kind,
                    "segment": a.segment, "metric": a.metric, "expected": a.expected,
                    "observed": a.observed, "change": a.change, "p_value": a.p_value,
                    "window_days": a.window_days, "customer_count": a.customer_count,
                    "customers": row.yours if row.yours is not None else len(a.customers or [])})
    return out
