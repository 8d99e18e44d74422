"""A launched campaign's read-out (SPEC §4 `daur campaign report`, §6 Campaigns): per arm its
members, conversions (a first order in the attribution window after the launch), spend per
member and coupon redemptions; the uplift with its intervals and p-values, raw and CUPED
(daur.analytics.uplift); the uplift in predicted 12-month CLV; the balance of the arms before the
launch. Members a merge left ambiguous are out of it (daur.campaigns.members). For a sales rep,
the figures of the rep's own customers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Min, Sum
from django.utils import timezone

from daur.accounts.models import User
from daur.analytics.uplift import Estimate, UpliftReport
from daur.analytics.uplift_sums import GroupSums, uplift_from_sums, welch_from_sums
from daur.campaigns.models import GROUPS, Campaign, CampaignMember
from daur.customers.access import sees_all_customers
from daur.db import dialect
from daur.definitions.currency import base_amount, base_amount_sql
from daur.definitions.rules import rules_config
from daur.insights.campaign_mail import with_mail
from daur.sales.models import Order


class NotLaunched(ValueError):
    """The campaign has no members yet: there is nothing to read out."""


@dataclass(frozen=True)
class Balance:
    """A figure before the launch, per arm, and the difference with its interval (randomisation
    makes it small: a large one says the draw or the data went wrong)."""

    treated: float | None
    holdout: float | None
    difference: Estimate

    def to_json(self) -> dict[str, Any]:
        return {
            "treated": self.treated,
            "holdout": self.holdout,
            "difference": self.difference.to_json(),
        }


@dataclass(frozen=True)
class CampaignReport:
    campaign: Campaign
    uplift: UpliftReport
    clv: Estimate  # current predicted 12-month CLV, treated minus hold-out
    clv_means: tuple[float | None, float | None]
    balance: dict[str, Balance]  # pre_spend, pre_expected_purchases, pre_clv
    excluded: int
    window_ends_at: datetime
    own_customers_only: bool

    @property
    def window_closed(self) -> bool:
        return timezone.now() >= self.window_ends_at

    def to_json(self) -> dict[str, Any]:
        """SPEC §4's object, with the CUPED estimates, the CLV uplift and the balance beside."""
        return {
            "campaign_id": self.campaign.external_id,
            "launched_at": self.campaign.launched_at.isoformat(),
            "window_days": self.campaign.window_days,
            "window_ends_at": self.window_ends_at.isoformat(),
            "window_closed": self.window_closed,
            **self.uplift.to_json(),
            "uplift_clv_12m": self.clv.to_json(),
            "clv_12m_per_member": {"treated": self.clv_means[0], "holdout": self.clv_means[1]},
            "balance": {name: b.to_json() for name, b in self.balance.items()},
            "excluded": self.excluded,
            "own_customers_only": self.own_customers_only,
        }


def campaign_report(campaign: Campaign, user: User | None = None) -> CampaignReport:
    """The read-out of a launched campaign over its members (a sales rep's: those the rep owns;
    None: every member). Raises NotLaunched for a draft. The database adds up each group's sums
    in one pass (daur.analytics.uplift_sums): a million members never travel as rows."""
    if not campaign.launched or campaign.launched_at is None:
        raise NotLaunched(f"campaign {campaign.external_id} is not launched yet")
    rules = rules_config().campaigns
    start = campaign.launched_at
    end = start + timedelta(days=campaign.window_days)
    owner = None if user is None or sees_all_customers(user) else user.pk
    by_group = _group_sums(campaign.pk, start, end, owner)
    treated, holdout = by_group["treated"], by_group["holdout"]
    uplift = uplift_from_sums(
        _uplift_sums(treated), _uplift_sums(holdout), cost=float(campaign.cost or 0), rules=rules
    )

    def difference(name: str) -> Estimate:
        return welch_from_sums(_moment(treated, name), _moment(holdout, name), rules.confidence)

    balance = {
        name: Balance(_mean(treated, name), _mean(holdout, name), difference(name))
        for name in ("pre_spend", "pre_expected_purchases", "pre_clv")
    }
    # Launched (or recorded) before any scoring run: no member had a score to balance on.
    if not CampaignMember.objects.filter(
        campaign=campaign, pre_expected_purchases__isnull=False
    ).exists():
        for name in ("pre_expected_purchases", "pre_clv"):
            balance[name] = Balance(None, None, Estimate(None))
    excluded = CampaignMember.objects.filter(campaign=campaign, excluded=True)
    if owner is not None:
        excluded = excluded.filter(customer__owner_id=owner)
    return CampaignReport(
        campaign=campaign,
        uplift=uplift,
        clv=difference("clv"),
        clv_means=(_mean(treated, "clv"), _mean(holdout, "clv")),
        balance=balance,
        excluded=excluded.count(),
        window_ends_at=end,
        own_customers_only=owner is not None,
    )


# Each group's sums come from three reads of the members (each one pass, none carrying what it
# does not need): the members alone; the converted ones (an order in the window) with their
# spend; the scored ones with their current CLV. A member who did not convert adds nothing to
# the spend sums, an unscored one nothing to the CLV's. The covariate is the pre-launch expected
# purchases (an unscored member expects none).
X = "COALESCE(m.pre_expected_purchases, 0)"
MEMBER_SUMS = {
    "n": "COUNT(*)",
    "redeemed": "SUM({redeemed})",
    "x": f"SUM({X})",
    "xx": f"SUM({X} * {X})",
    "pre_spend": "SUM(m.pre_spend)",
    "pre_spend_sq": "SUM(m.pre_spend * m.pre_spend)",
    "pre_clv": "SUM(COALESCE(m.pre_clv, 0))",
    "pre_clv_sq": "SUM(COALESCE(m.pre_clv, 0) * COALESCE(m.pre_clv, 0))",
}
CONVERTED_SUMS = {
    "converted": "COUNT(*)",
    "y": "SUM(w.spend)",
    "yy": "SUM(w.spend * w.spend)",
    "xy": f"SUM({X} * w.spend)",
    "xc": f"SUM({X})",
}
WINDOW_JOIN = """JOIN (
    SELECT o.customer_id, SUM({amount}) AS spend FROM sales_order o
    WHERE o.ordered_at >= %s AND o.ordered_at < %s GROUP BY o.customer_id
) w ON w.customer_id = m.customer_id"""
CLV_SUMS = {"clv": "SUM(s.clv_12m)", "clv_sq": "SUM(s.clv_12m * s.clv_12m)"}
CLV_JOIN = "JOIN insights_customerscore s ON s.customer_id = m.customer_id"
SUMS_NAMES = (*MEMBER_SUMS, *CONVERTED_SUMS, *CLV_SUMS)


def _group_sums(
    campaign_id: int, start: datetime, end: datetime, owner: int | None
) -> dict[str, dict[str, float]]:
    found = {name: dict.fromkeys(SUMS_NAMES, 0.0) for name in GROUPS}
    member_sums = {
        k: v.format(redeemed=dialect.flag("m.redeemed_at IS NOT NULL"))
        for k, v in MEMBER_SUMS.items()
    }
    window = WINDOW_JOIN.format(amount=base_amount_sql("o.amount", "o.currency"))
    moments = [dialect.moment_value(start), dialect.moment_value(end)]
    reads = ((member_sums, "", []), (CONVERTED_SUMS, window, moments), (CLV_SUMS, CLV_JOIN, []))
    with transaction.atomic(), connection.cursor() as cursor:
        dialect.hash_memory(cursor)
        for sums, join, params in reads:
            owned = ""
            if owner is not None:
                owned = "JOIN customers_customer c ON c.id = m.customer_id AND c.owner_id = %s"
                params = [*params, owner]
            cursor.execute(
                f'SELECT m."group", {", ".join(sums.values())} '
                f"FROM campaigns_campaignmember m {join} {owned} "
                f'WHERE m.campaign_id = %s AND NOT m.excluded GROUP BY m."group"',
                [*params, campaign_id],
            )
            for arm, *values in cursor.fetchall():
                found[arm].update(
                    {k: float(v or 0) for k, v in zip(sums, values, strict=True)}
                )
    return found


def _uplift_sums(sums: dict[str, float]) -> GroupSums:
    return GroupSums(
        members=int(sums["n"]),
        converted=int(sums["converted"]),
        redemptions=int(sums["redeemed"]),
        spend=sums["y"],
        spend_sq=sums["yy"],
        cov=sums["x"],
        cov_sq=sums["xx"],
        cov_spend=sums["xy"],
        cov_converted=sums["xc"],
    )


# A balance or CLV figure -> its sum and sum of squares among the group sums.
MOMENTS = {
    "pre_spend": ("pre_spend", "pre_spend_sq"),
    "pre_expected_purchases": ("x", "xx"),
    "pre_clv": ("pre_clv", "pre_clv_sq"),
    "clv": ("clv", "clv_sq"),
}


def _moment(sums: dict[str, float], name: str) -> tuple[int, float, float]:
    total, squares = MOMENTS[name]
    return int(sums["n"]), sums[total], sums[squares]


def _mean(sums: dict[str, float], name: str) -> float | None:
    return sums[MOMENTS[name][0]] / sums["n"] if sums["n"] else None


def member_rows(campaign: Campaign | None = None) -> Iterator[tuple]:
    """The `campaign_members` export of SPEC §4, per member of every launched campaign (or of
    one), by campaign and member: campaign_id, customer_id, group, coupon_code, sent_at (of the
member's e-mail, daur.insights.campaign_mail),
    converted_at (the first order in the attribution window), spend_in_window (base currency;
    0 without an order in the window)."""
    campaigns = Campaign.objects.filter(status="launched").order_by("pk")
    if campaign is not None:
        campaigns = campaigns.filter(pk=campaign.pk)
    for launched in campaigns:
        members = CampaignMember.objects.filter(campaign=launched)
        end = launched.launched_at + timedelta(days=launched.window_days)
        window = (
            Order.objects.filter(
                customer_id__in=members.values("customer_id"),
                ordered_at__gte=launched.launched_at,
                ordered_at__lt=end,
            )
            .order_by()
            .values("customer_id")
            .annotate(first=Min("ordered_at"), spend=Sum(base_amount()))
        )
        converted = {row["customer_id"]: (row["first"], row["spend"]) for row in window}
        rows = with_mail(members, launched).order_by("pk").values_list(
            "customer_id", "customer__external_id", "group", "coupon_code", "mail_sent_at"
        )
        for customer_id, external_id, group, code, sent_at in rows.iterator(chunk_size=5000):
            first, spend = converted.get(customer_id, (None, 0.0))
            yield launched.external_id, external_id, group, code, sent_at, first, spend
