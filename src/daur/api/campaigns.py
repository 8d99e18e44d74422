"""Campaigns made in Daur (docs/campaigns.md): the list and one campaign, a draft created,
changed or deleted, the launch (the page's launch button) and the uplift read-out (the campaign
page's report, daur.insights.campaign_report). Admins, managers and marketers manage campaigns;
sales reps read the results over their own customers; support agents read."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from daur.actions.campaign_edit import CampaignLaunched, campaign_delete, campaign_update
from daur.actions.campaigns import CampaignRefused, campaign_create, campaign_launch
from daur.api.errors import ERRORS, ApiError, not_found
from daur.api.kind_schemas import StrictIn
from daur.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, id_page
from daur.api.text import Line, Note, Text, clean_ident
from daur.campaigns.access import campaigns_manageable_by, campaigns_visible_to
from daur.campaigns.models import LANGUAGES, Campaign, Segment
from daur.community.models import Event
from daur.insights.campaign_report import NotLaunched, campaign_report
from daur.jobs import emails_dispatch

router = Router(tags=["campaigns"])
ROW_ID = Field(None, ge=1, le=2**63 - 1)
Language = Literal["en", "id", "it"]


class EmailText(StrictIn):
    subject: Text(200) = ""
    body: Note = ""


class EmailTextOut(Schema):
    subject: str
    body: str


class CampaignOut(Schema):
    campaign_id: str
    name: str
    status: str = Field(..., description="draft or launched")
    offer: str
    segment_id: int | None
    event_id: int | None
    holdout: float = Field(..., description="The hold-out's share of the members, 0 to 1.")
    window_days: int
    discount_percent: Decimal | None
    discount_amount: Decimal | None
    expires: date | None = Field(..., description="The coupons' last day.")
    cost: Decimal | None
    channel: str
    purpose: str
    texts: dict[str, EmailTextOut]
    launched_at: datetime | None
    members: int = Field(..., description="Members frozen at the launch (0 for a draft).")


class CampaignIn(StrictIn):
    name: Line
    segment_id: int = Field(..., ge=1, le=2**63 - 1, description="The target segment's id.")
    offer: str = Field(
        ...,
        max_length=24,
        description="newsletter, coupon, vip_discount, "
        "loyalty_promotion, event_invitation or nps_survey",
    )
    holdout: float = Field(0.10, description="The hold-out's share, above 0 and below 1.")
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    expires: date | None = None
    window_days: int | None = Field(
        None, ge=-(2**31), le=2**31, description="The attribution window; the rules' by default."
    )
    cost: Decimal | None = None
    channel: str = Field("email", max_length=32)
    purpose: str = Field("retention", max_length=16)
    texts: dict[Language, EmailText] | None = None
    event_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="The event of an event_invitation."
    )


class CampaignChange(CampaignIn):
    name: Line | None = None
    segment_id: int | None = ROW_ID
    offer: str | None = Field(None, max_length=24)
    holdout: float | None = None
    channel: str | None = Field(None, max_length=32)
    purpose: str | None = Field(None, max_length=16)


class CampaignParams(Schema):
    status: Literal["draft", "launched"] | None = None
    segment_id: int | None = ROW_ID
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class LaunchIn(StrictIn):
    seed: Text(64) | None = Field(
        None,
        min_length=1,
        description="Draws the hold-out again identically; random when left out.",
    )


class LaunchOut(Schema):
    campaign: CampaignOut
    treated: int
    holdout: int
    coupons: int
    emails_queued: int
    emails_skipped: int


def _readable(request: HttpRequest) -> None:
    if not campaigns_visible_to(request.user):
        raise ApiError(403, "Your role does not read campaigns.")


def _managing(request: HttpRequest) -> None:
    if not campaigns_manageable_by(request.user):
        raise ApiError(403, "Only admins, managers and marketers manage campaigns.")


def _campaign(request: HttpRequest, campaign_id: str) -> Campaign:
    _readable(request)
    ident = clean_ident(campaign_id)
    found = Campaign.objects.filter(external_id=ident).first() if ident else None
    if found is None:
        raise not_found("campaign")
    return found


def _rows(qs) -> list[dict[str, Any]]:  # noqa: ANN001 - a QuerySet of campaigns
    counted = qs.annotate(member_count=Count("members", filter=Q(members__excluded=False)))
    return [_out(c, c.member_count) for c in counted.order_by("pk")]


def _out(c: Campaign, members: int | None = None) -> dict[str, Any]:
    if members is None:
        members = c.members.filter(excluded=False).count()
    return {
        "campaign_id": c.external_id, "name": c.name, "status": c.status, "offer": c.offer,
        "segment_id": c.segment_id, "event_id": c.event_id, "holdout": c.holdout_share,
        "window_days": c.window_days, "discount_percent": c.discount_percent,
        "discount_amount": c.discount_amount, "expires": c.coupon_expires_on, "cost": c.cost,
        "channel": c.channel, "purpose": c.purpose, "launched_at": c.launched_at,
        "texts": {lang: {"subject": getattr(c, f"subject_{lang}"),
                         "body": getattr(c, f"body_{lang}")} for lang in LANGUAGES},
        "members": members,
    }  # fmt: skip


def _refusal(refusal: CampaignRefused, status: int = 422) -> ApiError:
    """The action's one line "field: reason" as the API's error, the field as the API names it."""
    text = str(refusal)
    head = text.split(":", 1)[0].replace("-", "_")
    field = {"segment": "segment_id", "event": "event_id"}.get(head, head)
    if field not in CampaignIn.model_fields:
        field = "-"
    return ApiError(status, text, [{"field": field, "reason": text}])


def _arguments(values: dict[str, Any], current: Campaign | None = None) -> dict[str, Any]:
    """The body's values as campaign_create's arguments (the segment and event by id; an e-mail
    text's subject or body left out is the current one, else empty)."""
    out = dict(values)
    if "segment_id" in out:
        segment_id = out.pop("segment_id")
        out["segment"] = Segment.objects.filter(pk=segment_id).first() if segment_id else None
        if segment_id and out["segment"] is None:
            raise ApiError(
                422,
                "segment_id: no such segment.",
                [{"field": "segment_id", "reason": "no such segment"}],
            )
    if "event_id" in out:
        event_id = out.pop("event_id")
        out["event"] = Event.objects.filter(pk=event_id).first() if event_id else None
        if event_id and out["event"] is None:
            raise ApiError(
                422, "event_id: no such event.", [{"field": "event_id", "reason": "no such event"}]
            )
    if out.get("texts") is not None:
        out["texts"] = {
            lang: tuple(
                t.get(part, getattr(current, f"{part}_{lang}", "")) for part in ("subject", "body")
            )
            for lang, t in out["texts"].items()
        }
    elif "texts" in out:
        out.pop("texts")
    return out


@router.get(
    "",
    response={200: Page[CampaignOut], **ERRORS},
    operation_id="campaigns_list",
    summary="List the campaigns made in Daur (as on the campaign list)",
)
def campaigns_listing(request: HttpRequest, params: Query[CampaignParams]) -> dict:
    _readable(request)
    qs = Campaign.objects.exclude(segment=None)
    if params.status:
        qs = qs.filter(status=params.status)
    if params.segment_id:
        qs = qs.filter(segment_id=params.segment_id)
    page, cursor = id_page(
        qs.only("pk"), scope="campaigns", cursor=params.cursor, limit=params.limit
    )
    data = _rows(Campaign.objects.filter(pk__in=[c.pk for c in page]))
    return {"data": data, "next_cursor": cursor, "has_more": cursor is not None}


@router.get(
    "/{campaign_id}",
    response={200: CampaignOut, **ERRORS},
    operation_id="campaign_get",
    summary="Read one campaign",
    description="`campaign_id`: its campaign id (C12).",
)
def campaign_read(request: HttpRequest, campaign_id: str) -> dict:
    return _out(_campaign(request, campaign_id))


@router.post(
    "",
    response={201: CampaignOut, **ERRORS},
    operation_id="campaign_create",
    summary="Create a draft campaign for a segment with an offer",
)
def campaign_add(request: HttpRequest, body: CampaignIn) -> Status:
    _managing(request)
    values = _arguments(body.model_dump(exclude_unset=True))
    try:
        campaign = campaign_create(**values, user=request.user)
    except CampaignRefused as refusal:
        raise _refusal(refusal) from None
    return Status(201, _out(campaign, 0))


@router.patch(
    "/{campaign_id}",
    response={200: CampaignOut, **ERRORS},
    operation_id="campaign_update",
    summary="Change a draft campaign (409 once launched)",
)
def campaign_change(request: HttpRequest, campaign_id: str, body: CampaignChange) -> dict:
    campaign = _campaign(request, campaign_id)
    _managing(request)
    values = body.model_dump(exclude_unset=True)
    for name in ("name", "segment_id", "offer", "holdout", "channel", "purpose"):
        if name in values and values[name] is None:
            raise ApiError(
                422, f"{name}: may not be null.", [{"field": name, "reason": "may not be null"}]
            )
    try:
        campaign = campaign_update(campaign_id=campaign.pk, changes=_arguments(values, campaign))
    except CampaignLaunched as refusal:
        raise ApiError(409, str(refusal)) from None
    except CampaignRefused as refusal:
        raise _refusal(refusal) from None
    return _out(campaign, 0)


@router.delete(
    "/{campaign_id}",
    response={204: None, **ERRORS},
    operation_id="campaign_delete",
    summary="Delete a draft campaign (409 once launched)",
)
def campaign_remove(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    _managing(request)
    try:
        campaign_delete(campaign_id=campaign.pk)
    except CampaignRefused as refusal:
        raise ApiError(409, str(refusal)) from None
    return HttpResponse(status=204)


@router.post(
    "/{campaign_id}/launch",
    response={200: LaunchOut, **ERRORS},
    operation_id="campaign_launch",
    summary="Launch a draft: freeze its members, draw the hold-out, send the offer "
    "(once; 409 after)",
)
def campaign_launching(request: HttpRequest, campaign_id: str, body: LaunchIn) -> dict:
    campaign = _campaign(request, campaign_id)
    _managing(request)
    try:
        launched = campaign_launch(campaign, seed=body.seed, user=request.user)
    except CampaignRefused as refusal:
        raise ApiError(409, str(refusal)) from None
    if launched.emails_queued:
        emails_dispatch()
    return {
        "campaign": _out(launched.campaign, launched.members), "treated": launched.treated,
        "holdout": launched.holdout, "coupons": launched.coupons,
        "emails_queued": launched.emails_queued, "emails_skipped": launched.emails_skipped,
    }  # fmt: skip


@router.get(
    "/{campaign_id}/report",
    response={200: dict[str, Any], **ERRORS},
    operation_id="campaign_report",
    summary="A launched campaign's read-out: uplift with intervals, raw and CUPED "
    "(a sales rep's: over the rep's customers)",
)
def campaign_readout(request: HttpRequest, campaign_id: str) -> dict:
    campaign = _campaign(request, campaign_id)
    try:
        return campaign_report(campaign, request.user).to_json()
    except NotLaunched:
        raise ApiError(
            409, f"campaign {campaign.external_id} is not launched yet: nothing to read out."
        ) from None
