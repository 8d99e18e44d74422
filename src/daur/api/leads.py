"""Leads: the list with the board's filters, one lead with its score, created and changed as the
import does (admins and managers), moved between stages, converted into a customer, and their
activities. A sales rep's token sees and works the rep's leads only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from daur import vocabulary
from daur.actions.activities import activity_complete, activity_log
from daur.actions.leads import LeadStageConflict, lead_stage_change
from daur.actions.leads_convert import ConversionRefused, lead_convert
from daur.api.access import require_importing
from daur.api.customers import visible as customer_visible
from daur.api.errors import ERRORS, ApiError, invalid, not_found
from daur.api.ingest import ingest, stored_cells
from daur.api.kind_schemas import StrictIn, lookups, record_in, record_out, record_values
from daur.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, id_page
from daur.api.text import Ident, Note, Text, clean_ident
from daur.engagement.models import Interaction
from daur.engagement.selectors import activities_of
from daur.insights.models import LeadScore
from daur.interchange.kinds import KINDS
from daur.leads.models import Lead
from daur.leads.selectors import LeadFilters, lead_writable_by, leads_filtered, leads_visible_to
from daur.web.lead_forms import ActivityForm

router = Router(tags=["leads"])
ACTIVITY_ID = Path(..., ge=1, le=2**63 - 1)
SPEC = KINDS["leads"]


class LeadScoreOut(Schema):
    win_probability: float
    basis: str
    as_of: Any
    factors: list[dict[str, Any]]


LeadOut = record_out("leads", extra=(("score", (LeadScoreOut | None, None)),))
LeadIn = record_in("leads")
LeadChange = record_in("leads", partial=True, skip=("lead_id",))


class LeadParams(Schema):
    q: Text(100) | None = None
    stage: Text(16) | None = None
    owner: Text(150) | None = Field(None, description="The owner's username.")
    unassigned: bool = False
    source: Text(32) | None = None
    overdue: bool = False
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class StageIn(StrictIn):
    to_stage: str = Field(..., max_length=16)
    expected_stage: str = Field(..., max_length=16, description="The stage you saw it in.")
    lost_reason: str = Field("", max_length=32)


class ConvertIn(StrictIn):
    customer_id: Ident | None = Field(None, description="Into this customer; else a new one.")


class ConvertOut(Schema):
    lead_id: str
    customer_id: str
    created: bool
    filled: list[str]


class ActivityIn(StrictIn):
    kind: str = Field(..., max_length=16)
    due_at: datetime | None = None
    outcome: Note | None = Field(None, max_length=255)
    note: Note | None = None


class ActivityOut(Schema):
    id: int
    kind: str
    occurred_at: datetime
    due_at: datetime | None
    done: bool
    outcome: str
    note: str
    user: str | None


class ActivityDone(StrictIn):
    outcome: Note | None = Field(None, max_length=255)


def _lead(request: HttpRequest, lead_id: str, *, writing: bool = False) -> Lead:
    ident = clean_ident(lead_id)
    found = leads_visible_to(request.user).filter(external_id=ident).order_by()[:1] if ident else []
    lead = next(iter(found), None)
    if lead is None:
        raise not_found("lead")
    if writing and not lead_writable_by(request.user, lead):
        raise ApiError(403, "Your role reads this lead; it does not work on it.")
    return lead


def lead_rows(pks: list[int]) -> list[dict[str, Any]]:
    found = {r["pk"]: r for r in Lead.objects.filter(pk__in=pks).values(
        "pk", "custom_fields", *lookups(SPEC))}
    scores = {s.lead_id: s for s in LeadScore.objects.filter(lead_id__in=pks)}
    out = []
    for pk in pks:
        if pk in found:
            values = record_values(SPEC, found[pk])
            score = scores.get(pk)
            values["score"] = score and {
                "win_probability": score.win_probability, "basis": score.basis,
                "as_of": score.as_of, "factors": score.factors or [],
            }
            out.append(values)
    return out


@router.get("", response={200: Page[LeadOut], **ERRORS}, operation_id="leads_list",
            summary="List leads, filtered as on the lead list")
def leads_listing(request: HttpRequest, params: Query[LeadParams]) -> dict:
    if params.stage and params.stage not in vocabulary.LEAD_STAGES:
        raise invalid("stage", f"is not one of {', '.join(vocabulary.LEAD_STAGES)}")
    owner = None
    if params.owner:
        from daur.accounts.models import User

        owner = User.objects.filter(username=params.owner).values_list("pk", flat=True).first()
        owner = owner or -1
    filters = LeadFilters(
        q=params.q or "", stage=params.stage or "", owner=owner, unassigned=params.unassigned,
        source=params.source or "", overdue=params.overdue,
    )
    qs = leads_filtered(user=request.user, filters=filters)
    page, cursor = id_page(qs.only("pk"), scope="leads", cursor=params.cursor, limit=params.limit)
    return {"data": lead_rows([r.pk for r in page]), "next_cursor": cursor,
            "has_more": cursor is not None}


@router.get("/{lead_id}", response={200: LeadOut, **ERRORS}, operation_id="lead_get",
            summary="Read one lead, with its score")
def lead_read(request: HttpRequest, lead_id: str) -> dict:
    return lead_rows([_lead(request, lead_id).pk])[0]


@router.post("", response={201: LeadOut, **ERRORS}, operation_id="lead_create",
             summary="Create (or, by its lead_id, update) a lead as the import would")
def lead_add(request: HttpRequest, body: LeadIn) -> Status:
    require_importing(request.user)
    ingest("leads", [body.model_dump()])
    return Status(201, lead_rows([Lead.objects.get(external_id=body.lead_id).pk])[0])


@router.patch("/{lead_id}", response={200: LeadOut, **ERRORS}, operation_id="lead_update",
              summary="Change a lead's fields (its stage: POST …/stage)")
def lead_change(request: HttpRequest, lead_id: str, body: LeadChange) -> dict:
    require_importing(request.user)
    lead = _lead(request, lead_id)
    current = lead_rows([lead.pk])[0]
    current.pop("score"), current.pop("custom_fields")
    ingest("leads", [{**stored_cells(current), **body.model_dump(exclude_unset=True)}])
    return lead_rows([lead.pk])[0]


@router.post("/{lead_id}/stage", response={200: LeadOut, **ERRORS}, operation_id="lead_stage",
             summary="Move a lead to another stage (409 if it moved since you saw it)")
def lead_stage(request: HttpRequest, lead_id: str, body: StageIn) -> dict:
    lead = _lead(request, lead_id, writing=True)
    if body.expected_stage != lead.stage:
        raise ApiError(409, f"The lead is now in {lead.stage}.",
                       [{"field": "expected_stage", "reason": f"the lead is in {lead.stage}"}])
    try:
        lead_stage_change(lead=lead, to_stage=body.to_stage, expected_stage=body.expected_stage,
                          user=request.user, lost_reason=body.lost_reason)
    except ValidationError as refusal:
        field = "lost_reason" if refusal.code == "lost_reason" else "to_stage"
        raise invalid(field, " ".join(refusal.messages)) from None
    except LeadStageConflict as conflict:
        raise ApiError(409, f"The lead is now in {conflict.current_stage}.") from None
    return lead_rows([lead.pk])[0]


@router.post("/{lead_id}/convert", response={200: ConvertOut, **ERRORS},
             operation_id="lead_convert", summary="Convert a won lead into a customer")
def lead_conversion(request: HttpRequest, lead_id: str, body: ConvertIn) -> dict:
    lead = _lead(request, lead_id, writing=True)
    into = customer_visible(request, body.customer_id) if body.customer_id else None
    try:
        done = lead_convert(lead_id=lead.pk, customer_id=into)
    except ConversionRefused as refusal:
        raise ApiError(409, str(refusal)) from None
    return {"lead_id": lead.external_id, "customer_id": done.customer.external_id,
            "created": done.created, "filled": list(done.filled)}


def _activity(a: Interaction) -> dict[str, Any]:
    return {"id": a.pk, "kind": a.kind, "occurred_at": a.occurred_at, "due_at": a.due_at,
            "done": a.done, "outcome": a.outcome, "note": a.note,
            "user": a.user.get_username() if a.user else None}


@router.get("/{lead_id}/activities", response={200: list[ActivityOut], **ERRORS},
            operation_id="lead_activities", summary="A lead's activities: open, then done")
def lead_activities(request: HttpRequest, lead_id: str) -> list[dict]:
    open_, done = activities_of(lead=_lead(request, lead_id))
    return [_activity(a) for a in [*open_, *done]]


@router.post("/{lead_id}/activities", response={201: ActivityOut, **ERRORS},
             operation_id="lead_activity_log", summary="Log or plan an activity with a lead")
def lead_activity_log(request: HttpRequest, lead_id: str, body: ActivityIn) -> Status:
    lead = _lead(request, lead_id, writing=True)
    data = body.model_dump(exclude_none=True)
    if body.due_at:
        data["due_at"] = body.due_at.isoformat()
    form = ActivityForm(data)
    if not form.is_valid():
        errors = [{"field": k, "reason": str(m)} for k, ms in form.errors.items() for m in ms]
        raise ApiError(422, f"{errors[0]['field']}: {errors[0]['reason']}", errors)
    values = {**form.cleaned_data, "due_at": body.due_at}
    try:
        activity = activity_log(user=request.user, lead=lead, **values)
    except ValidationError as refusal:
        raise invalid("due_at", " ".join(refusal.messages)) from None
    return Status(201, _activity(activity))


@router.post("/{lead_id}/activities/{activity_id}/done", response={200: ActivityOut, **ERRORS},
             operation_id="lead_activity_done", summary="Mark a planned activity done")
def lead_activity_done(request: HttpRequest, lead_id: str, body: ActivityDone,
                       activity_id: int = ACTIVITY_ID) -> dict:
    lead = _lead(request, lead_id, writing=True)
    if not Interaction.objects.filter(pk=activity_id, lead=lead).exists():
        raise not_found("activity")
    activity = activity_complete(activity_id=activity_id, user=request.user,
                                 outcome=body.outcome or "")
    return _activity(activity)
