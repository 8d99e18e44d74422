"""The demo business's past campaigns, each with a randomised hold-out (docs/campaigns.md):
a coupon campaign that worked — some treated members redeemed their coupon within the window,
more than the hold-out bought on its own — and a newsletter that changed nothing measurable.
Launched as recorded history (`--at`, nothing sent) and written through the actions, so the
read-out on /campaigns/ is the one any business would get. Deterministic per seed."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from daur.accounts.models import Role, User
from daur.actions.campaigns import campaign_create, campaign_launch
from daur.actions.sales import order_record
from daur.actions.segments import segment_create
from daur.campaigns.models import Campaign, CampaignMember, Segment
from daur.demo.timeline import END_DATE, UTC_OFFSET

SEGMENT = ("Customers in Indonesia", "country=ID")
# (name, offer, days before the demo's last day, hold-out, cost, extra buyers: treated, hold-out)
CAMPAIGNS = (
    ("Payday coupon: 10 % off", "coupon", 40, 0.2, "2500000", 0.3, 0.04),
    ("Monthly newsletter", "newsletter", 75, 0.1, "400000", 0.0, 0.0),
)
TEXTS = {
    "coupon": {
        "en": ("{name}, 10 % off until {expires}", "Use {coupon_code} for {discount} off."),
        "id": (
            "{name}, diskon 10 % sampai {expires}", "Pakai {coupon_code} untuk diskon {discount}."
        ),
        "it": (
            "{name}, 10 % di sconto fino al {expires}", "Usa {coupon_code}: {discount} di sconto."
        ),
    },
    "newsletter": {
        "en": ("What's new this month", "Our new arrivals and tips for your home."),
        "id": ("Yang baru bulan ini", "Produk terbaru dan tips untuk rumah Anda."),
        "it": ("Le novità del mese", "I nuovi arrivi e consigli per la casa."),
    },
}
WINDOW_DAYS = 30


def _moment(days_before_end: int, hour: int = 9) -> datetime:
    day = END_DATE - timedelta(days=days_before_end)
    return datetime.fromisoformat(f"{day.isoformat()}T{hour:02d}:00:00{UTC_OFFSET}")


def demo_campaigns_fill(*, seed: int = 7) -> dict[str, int]:
    """The demo's campaigns (nothing added when they exist already)."""
    rng = random.Random(seed * 7919)
    marketer = User.objects.filter(role=Role.MARKETER).order_by("id").first()
    counts = {"campaigns": 0, "campaign orders": 0}
    with transaction.atomic():
        name, query = SEGMENT
        segment = Segment.objects.filter(name=name).first() or segment_create(
            name=name, query=query, user=marketer
        )
        for title, offer, days, holdout, cost, treated_rate, holdout_rate in CAMPAIGNS:
            if Campaign.objects.filter(name=title).exists():
                continue
            launched_at = _moment(days)
            campaign = campaign_create(
                name=title, segment=segment, offer=offer, holdout=holdout, cost=cost,
                discount_percent="10" if offer == "coupon" else None,
                expires=(launched_at + timedelta(days=WINDOW_DAYS)).date()
                if offer == "coupon" else None,
                window_days=WINDOW_DAYS, texts=TEXTS[offer], user=marketer,
            )
            campaign_launch(campaign, seed=f"demo-{seed}", at=launched_at)
            counts["campaigns"] += 1
            counts["campaign orders"] += _responses(
                rng, campaign, launched_at, treated_rate, holdout_rate
            )
    return counts


def _responses(
    rng: random.Random, campaign: Campaign, launched_at: datetime, treated: float, held: float
) -> int:
    """Orders within the window: a share of the treated redeem their coupon, a smaller share of
    the hold-out buys anyway (the uplift the read-out then measures)."""
    if not (treated or held):
        return 0
    members = (
        CampaignMember.objects.filter(campaign=campaign)
        .select_related("customer")
        .order_by("customer_id")
    )
    written = 0
    for member in members:
        rate = treated if member.group == "treated" else held
        if rng.random() >= rate:
            continue
        at = launched_at + timedelta(days=rng.uniform(0.5, WINDOW_DAYS - 1))
        amount = Decimal(rng.choice((185_000, 249_000, 329_000, 459_000, 689_000, 915_000)))
        code = member.coupon_code or ""
        order_record(
            customer=member.customer,
            external_id=f"CMP{campaign.pk}-{member.customer.external_id}",
            ordered_at=at,
            amount=amount,
            discount_amount=(amount / 10).quantize(Decimal(1)) if code else Decimal(0),
            coupon_code=code,
            channel="web",
        )
        written += 1
    return written
