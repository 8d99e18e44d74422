"""Loyalty (SPEC §1.4): four characteristics, a score 0-4, and the `loyal` type built on them.

`loyal` needs the score and the P(alive) of SPEC §1.3 and, among the characteristics, repeat
purchase: a customer with one or two orders can show every other characteristic (two
categories in one basket, a promoter's NPS, no lapse yet) but has not shown loyalty; the type
would fire against the "repeat purchase" evidence shown beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from daur.analytics.cutoffs import at_least, below, p_alive_array, p_alive_at_least
from daur.analytics.evidence import Evidence, scalar
from daur.analytics.features import CustomerFeatures
from daur.analytics.rules_config import RulesConfig

CHARACTERISTICS = ("repeat_purchase", "multi_category", "recommends", "resists_competitors")

TEMPLATES = {
    "repeat_purchase": "{orders} orders (at least {threshold})",
    "multi_category": "Bought in {categories} categories (at least {threshold})",
    "recommends_referral": "Referred {referrals} customers (at least {threshold})",
    "recommends_promoter": "Latest NPS {nps} is a promoter's (at least {threshold})",
    "resists_competitors": (
        "No gap between orders longer than {lapse_days} days, and {discount_share:.0%} of orders "
        "on discount (below {threshold:.0%})"
    ),
    "loyal": "Loyalty score {score} of 4 (at least {threshold}) and P(alive) {p_alive:.2f} "
    "(at least {p_alive_threshold:.2f})",
    "loyal_unscored": "Loyalty score {score} of 4 (at least {threshold}); P(alive) not scored",
}


@dataclass(frozen=True)
class LoyaltyResult:
    """Per customer: the four characteristics, their count `score` (int8) and `loyal`."""

    repeat_purchase: np.ndarray
    multi_category: np.ndarray
    recommends: np.ndarray
    resists_competitors: np.ndarray
    score: np.ndarray
    loyal: np.ndarray
    features: CustomerFeatures = field(repr=False)
    p_alive: np.ndarray = field(repr=False)
    config: RulesConfig = field(repr=False)

    def evidence(self, index: int) -> tuple[Evidence, ...]:
        """The characteristics this customer has, each with its reason."""
        f, rules = self.features, self.config.loyalty
        reasons = []
        if self.repeat_purchase[index]:
            values = {"orders": scalar(f.order_count[index]), "threshold": rules.repeat_min_orders}
            reasons.append(_evidence("repeat_purchase", values))
        if self.multi_category[index]:
            values = {
                "categories": scalar(f.categories_count[index]),
                "threshold": rules.min_categories,
            }
            reasons.append(_evidence("multi_category", values))
        if self.recommends[index]:
            if f.referrals_count[index] >= rules.min_referrals:
                values = {
                    "referrals": scalar(f.referrals_count[index]),
                    "threshold": rules.min_referrals,
                }
                reasons.append(_evidence("recommends_referral", values))
            else:
                values = {
                    "nps": scalar(f.latest_nps[index]),
                    "threshold": scalar(self.config.surveys.promoter_min_nps),
                }
                reasons.append(_evidence("recommends_promoter", values))
        if self.resists_competitors[index]:
            lapse_days = self.config.lifecycle.lapse_threshold_days(f.gap_median_days[index])
            values = {
                "lapse_days": scalar(np.round(lapse_days, 1)),
                "discount_share": scalar(f.discount_share[index]),
                "threshold": rules.max_discount_share,
            }
            reasons.append(_evidence("resists_competitors", values))
        return tuple(reasons)

    def loyal_evidence(self, index: int) -> tuple[Evidence, ...]:
        """The score (and P(alive)), then the repeat purchase `loyal` requires."""
        if not self.loyal[index]:
            return ()
        rules = self.config.loyalty
        values = {"score": scalar(self.score[index]), "threshold": rules.loyal_min_score}
        repeat = {
            "orders": scalar(self.features.order_count[index]),
            "threshold": rules.repeat_min_orders,
        }
        if np.isnan(self.p_alive[index]):
            return (_evidence("loyal_unscored", values), _evidence("repeat_purchase", repeat))
        values |= {"p_alive": scalar(self.p_alive[index]), "p_alive_threshold": rules.loyal_p_alive}
        return (_evidence("loyal", values), _evidence("repeat_purchase", repeat))


def loyalty_score(
    features: CustomerFeatures,
    p_alive: np.ndarray | None = None,
    config: RulesConfig | None = None,
) -> LoyaltyResult:
    """Score the four loyalty characteristics of SPEC §1.4 for every customer."""
    config = config or RulesConfig()
    rules = config.loyalty
    f = features
    p_alive = p_alive_array(p_alive, f.n_customers)
    repeat_purchase = f.order_count >= rules.repeat_min_orders
    multi_category = f.categories_count >= rules.min_categories
    recommends = (f.referrals_count >= rules.min_referrals) | at_least(
        f.latest_nps, config.surveys.promoter_min_nps
    )
    resists_competitors = (
        (f.order_count > 0)
        & ~f.lapse_in_history
        & below(f.discount_share, rules.max_discount_share)
    )
    score = (
        repeat_purchase.astype(np.int8) + multi_category + recommends + resists_competitors
    ).astype(np.int8)
    loyal = (
        (score >= rules.loyal_min_score)
        & repeat_purchase
        & p_alive_at_least(p_alive, rules.loyal_p_alive)
    )
    return LoyaltyResult(
        repeat_purchase=repeat_purchase,
        multi_category=multi_category,
        recommends=recommends,
        resists_competitors=resists_competitors,
        score=score,
        loyal=loyal,
        features=f,
        p_alive=p_alive,
        config=config,
    )


def _evidence(code: str, values: dict[str, float | int | str]) -> Evidence:
    return Evidence(code=code, template=TEMPLATES[code], values=values)
