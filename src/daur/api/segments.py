"""Saved segments: a customer list's filters under a name, with their figures now (for a sales
rep, over the rep's customers), created, changed and deleted as on the segment page (deleting one
a campaign is aimed at is refused: 409)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Path, Router, Schema, Status
from pydantic import Field

from daur.actions.segments import (
    SegmentRefused,
    segment_create,
    segment_delete,
    segment_update,
)
from daur.api.errors import ERRORS, ApiError, not_found
from daur.api.kind_schemas import StrictIn
from daur.campaigns.access import segments_creatable_by, segments_visible_to
from daur.campaigns.models import Segment
from daur.insights.segments import segment_figures

router = Router(tags=["segments"])
ID = Path(..., ge=1, le=2**63 - 1)


class SegmentOut(Schema):
    id: int
    name: str
    query: str
    created_at: datetime
    size: int | None = Field(None, description="Customers in it now (null: its query no longer "
                                               "reads)")
    revenue: float | None = None
    clv: float | None = None


class SegmentIn(StrictIn):
    name: str = Field(..., max_length=100)
    query: str = Field("", max_length=2000, description='The list\'s query: "stage=retention".')


class SegmentChange(StrictIn):
    name: str | None = Field(None, max_length=100)
    query: str | None = Field(None, max_length=2000)


def _visible(request: HttpRequest) -> None:
    if not segments_visible_to(request.user):
        raise ApiError(403, "Your role does not use segments.")


def _out(segment: Segment, request: HttpRequest) -> dict:
    out = {"id": segment.pk, "name": segment.name, "query": segment.query,
           "created_at": segment.created_at}
    try:
        figures = segment_figures(segment, request.user)
    except ValueError:
        return out
    return {**out, "size": figures.size, "revenue": figures.revenue, "clv": figures.clv}


@router.get("", response={200: list[SegmentOut], **ERRORS}, operation_id="segments_list",
            summary="The saved segments, with their figures now")
def segments_listing(request: HttpRequest) -> list[dict]:
    _visible(request)
    return [_out(segment, request) for segment in Segment.objects.order_by("pk")[:500]]


def _segment(request: HttpRequest, segment_id: int) -> Segment:
    _visible(request)
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None:
        raise not_found("segment")
    return segment


def _editing(request: HttpRequest) -> None:
    if not segments_creatable_by(request.user):
        raise ApiError(403, "Your role does not save segments.")


@router.get("/{segment_id}", response={200: SegmentOut, **ERRORS}, operation_id="segment_get",
            summary="One segment, with its figures now")
def segment_read(request: HttpRequest, segment_id: int = ID) -> dict:
    return _out(_segment(request, segment_id), request)


@router.patch("/{segment_id}", response={200: SegmentOut, **ERRORS},
              operation_id="segment_update", summary="Rename a segment or change its filters")
def segment_change(request: HttpRequest, body: SegmentChange, segment_id: int = ID) -> dict:
    segment = _segment(request, segment_id)
    _editing(request)
    name = segment.name if body.name is None else body.name
    query = segment.query if body.query is None else body.query
    try:
        segment = segment_update(segment=segment, name=name, query=query)
    except SegmentRefused as refusal:
        field = "name" if body.query is None else "query" if body.name is None else "-"
        raise ApiError(422, str(refusal), [{"field": field, "reason": str(refusal)}]) from None
    return _out(segment, request)


@router.delete("/{segment_id}", response={204: None, **ERRORS}, operation_id="segment_delete",
               summary="Delete a segment (409 while a campaign is aimed at it)")
def segment_remove(request: HttpRequest, segment_id: int = ID) -> HttpResponse:
    segment = _segment(request, segment_id)
    _editing(request)
    try:
        segment_delete(segment=segment)
    except SegmentRefused as refusal:
        raise ApiError(409, str(refusal)) from None
    return HttpResponse(status=204)


@router.post("", response={201: SegmentOut, **ERRORS}, operation_id="segment_create",
             summary="Save a customer list's filters as a segment")
def segment_add(request: HttpRequest, body: SegmentIn) -> Status:
    _editing(request)
    try:
        segment = segment_create(name=body.name, query=body.query, user=request.user)
    except SegmentRefused as refusal:
        raise ApiError(422, str(refusal), [{"field": "name", "reason": str(refusal)}]) from None
    return Status(201, _out(segment, request))
