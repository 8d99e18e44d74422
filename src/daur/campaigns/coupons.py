"""A campaign's coupon on an order: the one rule of when it is accepted, and its redemption
(used by the order import and `order_record`). Only codes in the shape of a campaign's coupon
(daur.analytics.campaign_draw: `CP<campaign>-XXXXXXXX`) are checked; a shop's own codes
("HEMAT") pass as they always did.

A campaign coupon is refused when no campaign issued it, when it was issued to another customer,
when another order used it already (or another row of the same file), when the order is after
its expiry day (in the business's time zone) or before the campaign's launch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from daur.analytics.campaign_draw import coupon_campaign
from daur.campaigns.models import CampaignMember


@dataclass(frozen=True)
class CouponUse:
    line: int  # the file's line, or 0 for an order recorded alone
    order_id: str  # the order's external id
    customer_id: str  # the customer's external id
    code: str
    ordered_at: datetime


def normalised(code: str) -> str:
    return code.strip().upper()


def is_campaign_coupon(code: str | None) -> bool:
    return bool(code) and coupon_campaign(code) is not None


def coupon_refusals(uses: Iterable[CouponUse]) -> list[tuple[CouponUse, str]]:
    """Each use of a campaign coupon that cannot be accepted, with the reason (one line). Run
    inside the transaction that records the orders: the coupons' rows stay locked to its end."""
    shaped = sorted((u for u in uses if is_campaign_coupon(u.code)), key=lambda u: u.line)
    if not shaped:
        return []
    codes = {normalised(u.code) for u in shaped}
    # Locked to the end of the transaction: two orders cannot both take one coupon.
    list(CampaignMember.objects.select_for_update().filter(coupon_code__in=codes).values("pk"))
    issued = {
        row["coupon_code"]: row
        for row in CampaignMember.objects.filter(coupon_code__in=codes).values(
            "coupon_code",
            "customer__external_id",
            "redeemed_order__external_id",
            "campaign__external_id",
            "campaign__coupon_expires_on",
            "campaign__launched_at",
        )
    }
    refused: list[tuple[CouponUse, str]] = []
    first_line: dict[str, int] = {}
    for use in shaped:
        code = normalised(use.code)
        reason = _refusal(use, code, issued.get(code), first_line.get(code))
        if reason:
            refused.append((use, reason))
        else:
            first_line[code] = use.line
    return refused


def _refusal(use: CouponUse, code: str, member: dict | None, earlier: int | None) -> str:
    if member is None:
        return f"coupon {code} is unknown: no campaign issued it"
    if member["customer__external_id"] != use.customer_id:
        return f"coupon {code} was not issued to customer {use.customer_id}"
    used_on = member["redeemed_order__external_id"]
    if used_on is not None and used_on != use.order_id:
        return f"coupon {code} was used already, on order {used_on}; a coupon is used once"
    if earlier is not None:
        return f"coupon {code} is used twice in this file, first on line {earlier}"
    expires = member["campaign__coupon_expires_on"]
    if expires is not None and timezone.localdate(use.ordered_at) > expires:
        return f"coupon {code} expired on {expires.isoformat()}"
    launched = member["campaign__launched_at"]
    if launched is not None and use.ordered_at < launched:
        return f"coupon {code} is dated before its campaign {member['campaign__external_id']} began"
    return ""


def coupons_redeem(redeemed: Sequence[tuple[str, int, datetime]]) -> int:
    """Mark each campaign coupon (code, order pk, ordered at) redeemed by its order; codes that
    are not a campaign's are skipped. Returns how many members changed."""
    wanted = {
        normalised(code): (order, at) for code, order, at in redeemed if is_campaign_coupon(code)
    }
    if not wanted:
        return 0
    members = list(
        CampaignMember.objects.filter(coupon_code__in=wanted).only(
            "coupon_code", "redeemed_order", "redeemed_at"
        )
    )
    changed = []
    for member in members:
        order, at = wanted[member.coupon_code]
        if member.redeemed_order_id != order or member.redeemed_at != at:
            member.redeemed_order_id, member.redeemed_at = order, at
            changed.append(member)
    CampaignMember.objects.bulk_update(changed, ["redeemed_order", "redeemed_at"], batch_size=2000)
    return len(changed)
