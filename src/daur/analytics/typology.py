"""Customer types (SPEC §1.3): thirteen labels, several per customer, each with its evidence.

Percentile rules rank customers who have ordered; the top share holds the ceil(share x buyers)
largest values plus every value tied with the smallest of them, and only values above 0.
`high_volume` ranks by units among buyers whose units are all known, and by spend among the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from daur.analytics.cutoffs import (
    at_least,
    at_most,
    below,
    given_cut,
    in_top_share,
    p_alive_array,
    value_array,
)
from daur.analytics.evidence import Evidence, scalar
from daur.analytics.features import CustomerFeatures
from daur.analytics.loyalty import LoyaltyResult, loyalty_score
from daur.analytics.rules_config import RulesConfig

TYPE_LABELS = (
    "loyal",
    "discount",
    "impulsive",
    "need_oriented",
    "wanderer",
    "high_volume",
    "high_future_value",
    "benchmark",
    "door_opener",
    "inspiring",
    "difficult",
    "sophisticated",
    "affluent",
)

TEMPLATES = {
    "discount": "{discounted} of {orders} orders used a discount or coupon "
    "({share:.0%}, at least {threshold:.0%})",
    "impulsive": "{unplanned} of {orders} orders were unplanned ({share:.0%}, at least "
    "{threshold:.0%}) and the gap CV is {gap_cv:.2f} (at least {cv_threshold:.2f})",
    "need_oriented": "{orders} orders at regular gaps (CV {gap_cv:.2f}, at most "
    "{cv_threshold:.2f}) in {categories} categories, {discount_share:.0%} on discount",
    "wanderer_no_order": "{visits_inquiries} visits and inquiries and no order",
    "wanderer_visits": "{visits} visits for {orders} orders (at least {threshold} per order)",
    "high_volume_units": "{units} units, in the top {share:.0%} of buying customers "
    "(at least {cut})",
    "high_volume_spend": "Spend {spend:,.2f} (units unknown), in the top {share:.0%} of buying "
    "customers (at least {cut:,.2f})",
    "high_future_value": "Predicted 12-month CLV {clv_12m:,.2f}, in the top {share:.0%} "
    "(at least {cut:,.2f})",
    "benchmark": "{referrals} referred customers have ordered (at least {threshold})",
    "door_opener": "First buying customer in its market, followed by {followers} later buyers",
    "inspiring": "{suggestions} suggestions, {accepted} accepted (score {score:g}, at least "
    "{threshold:g})",
    "difficult_complaints": "{complaints} complaints in the last {days} days (at least "
    "{threshold})",
    "difficult_detractor": "A complaint in the last {days} days and latest NPS {nps} "
    "(at most {threshold})",
    "sophisticated": "{inquiries} inquiries before the first order (at least {threshold})",
    "affluent": "Average order {aov:,.2f} in the top {share:.0%} (at least {cut:,.2f}), "
    "{discount_share:.0%} of orders on discount, {premium_share:.0%} of spend premium",
}


@dataclass(frozen=True)
class CustomerTypes:
    """Per label a boolean mask over customers; `cuts` holds the percentile cut-offs used."""

    labels: Mapping[str, np.ndarray]
    cuts: Mapping[str, float]
    loyalty: LoyaltyResult = field(repr=False)
    features: CustomerFeatures = field(repr=False)
    clv_12m: np.ndarray = field(repr=False)
    config: RulesConfig = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))
        object.__setattr__(self, "cuts", MappingProxyType(dict(self.cuts)))

    def labels_of(self, index: int) -> tuple[str, ...]:
        return tuple(label for label in TYPE_LABELS if self.labels[label][index])

    def bits(self) -> np.ndarray:
        """One int32 per customer, bit k set when it has TYPE_LABELS[k]."""
        bits = np.zeros(self.features.n_customers, np.int32)
        for k, label in enumerate(TYPE_LABELS):
            bits |= self.labels[label].astype(np.int32) << k
        return bits

    def joined(self, separator: str = ";") -> np.ndarray:
        """The labels of each customer as one string (the score export's `types` column)."""
        combos, inverse = np.unique(self.bits(), return_inverse=True)
        texts = [
            separator.join(label for k, label in enumerate(TYPE_LABELS) if combo >> k & 1)
            for combo in combos.tolist()
        ]
        return np.asarray(texts, dtype=object)[inverse] if texts else np.zeros(0, object)

    def evidence(self, index: int) -> dict[str, tuple[Evidence, ...]]:
        """For each label the customer has, the reasons it fired."""
        explain: dict[str, Callable[[int], tuple[Evidence, ...]]] = {
            label: getattr(self, f"_{label}") for label in TYPE_LABELS
        }
        return {label: explain[label](index) for label in self.labels_of(index)}

    # one explanation per label, only called when the label fired
    def _loyal(self, i: int) -> tuple[Evidence, ...]:
        return self.loyalty.loyal_evidence(i)

    def _discount(self, i: int) -> tuple[Evidence, ...]:
        f = self.features
        return _one(
            "discount",
            discounted=f.discounted_order_count[i],
            orders=f.order_count[i],
            share=f.discount_share[i],
            threshold=self.config.types.discount_share,
        )

    def _impulsive(self, i: int) -> tuple[Evidence, ...]:
        f, rules = self.features, self.config.types
        return _one(
            "impulsive",
            unplanned=f.unplanned_order_count[i],
            orders=f.order_count[i],
            share=f.unplanned_order_share[i],
            threshold=rules.unplanned_share,
            gap_cv=f.gap_cv[i],
            cv_threshold=rules.impulsive_gap_cv,
        )

    def _need_oriented(self, i: int) -> tuple[Evidence, ...]:
        f = self.features
        return _one(
            "need_oriented",
            orders=f.order_count[i],
            gap_cv=f.gap_cv[i],
            cv_threshold=self.config.types.need_gap_cv,
            categories=f.categories_count[i],
            discount_share=f.discount_share[i],
        )

    def _wanderer(self, i: int) -> tuple[Evidence, ...]:
        f = self.features
        if f.order_count[i] == 0:
            return _one("wanderer_no_order", visits_inquiries=f.visits_inquiries[i])
        return _one(
            "wanderer_visits",
            visits=f.visit_count[i],
            orders=f.order_count[i],
            threshold=self.config.types.wanderer_visits_per_order,
        )

    def _high_volume(self, i: int) -> tuple[Evidence, ...]:
        f, share = self.features, self.config.types.top_share
        if np.isnan(f.units_total[i]):
            cut = self.cuts["high_volume_spend"]
            return _one("high_volume_spend", spend=f.spend_total[i], share=share, cut=cut)
        cut = self.cuts["high_volume_units"]
        return _one("high_volume_units", units=f.units_total[i], share=share, cut=cut)

    def _high_future_value(self, i: int) -> tuple[Evidence, ...]:
        return _one(
            "high_future_value",
            clv_12m=self.clv_12m[i],
            share=self.config.types.top_share,
            cut=self.cuts["high_future_value"],
        )

    def _benchmark(self, i: int) -> tuple[Evidence, ...]:
        return _one(
            "benchmark",
            referrals=self.features.converted_referrals[i],
            threshold=self.config.types.benchmark_min_converted_referrals,
        )

    def _door_opener(self, i: int) -> tuple[Evidence, ...]:
        return _one("door_opener", followers=self.features.door_opener_followers[i])

    def _inspiring(self, i: int) -> tuple[Evidence, ...]:
        f, rules = self.features, self.config.types
        return _one(
            "inspiring",
            suggestions=f.suggestions[i],
            accepted=f.accepted_suggestions[i],
            score=_suggestion_score(f, rules.accepted_suggestion_weight)[i],
            threshold=rules.inspiring_min_score,
        )

    def _difficult(self, i: int) -> tuple[Evidence, ...]:
        f, rules = self.features, self.config.types
        days = self.config.features.recent_days
        reasons: list[Evidence] = []
        if f.complaints_recent[i] >= rules.difficult_min_complaints:
            reasons += _one(
                "difficult_complaints",
                complaints=f.complaints_recent[i],
                days=days,
                threshold=rules.difficult_min_complaints,
            )
        detractor_max = self.config.surveys.detractor_max_nps
        if f.complaints_recent[i] >= 1 and at_most(f.latest_nps[i], detractor_max):
            reasons += _one(
                "difficult_detractor",
                days=days,
                nps=f.latest_nps[i],
                threshold=detractor_max,
            )
        return tuple(reasons)

    def _sophisticated(self, i: int) -> tuple[Evidence, ...]:
        return _one(
            "sophisticated",
            inquiries=self.features.inquiries_before_first_order[i],
            threshold=self.config.types.sophisticated_min_inquiries,
        )

    def _affluent(self, i: int) -> tuple[Evidence, ...]:
        f = self.features
        return _one(
            "affluent",
            aov=f.avg_order_value[i],
            share=self.config.types.affluent_top_share,
            cut=self.cuts["affluent"],
            discount_share=f.discount_share[i],
            premium_share=f.premium_share[i],
        )


def customer_types(
    features: CustomerFeatures,
    p_alive: np.ndarray | None = None,
    clv_12m: np.ndarray | None = None,
    config: RulesConfig | None = None,
    *,
    loyalty: LoyaltyResult | None = None,
    cuts: Mapping[str, float] | None = None,
) -> CustomerTypes:
    """Every label of SPEC §1.3 for every customer, as boolean masks.

    `cuts` (the `cuts` of an earlier result) fix the percentile cut-offs instead of computing
    them from these customers: for re-scoring a few customers against the whole base.
    """
    config = config or RulesConfig()
    rules = config.types
    f = features
    n = f.n_customers
    p_alive = p_alive_array(p_alive, n)
    clv_12m = value_array(clv_12m, n, "clv_12m")
    loyalty = loyalty or loyalty_score(f, p_alive, config)
    buyer = f.order_count > 0

    units_known = buyer & ~np.isnan(f.units_total)
    by_units, units_cut = in_top_share(
        f.units_total, units_known, rules.top_share, given_cut(cuts, "high_volume_units")
    )
    by_spend, spend_cut = in_top_share(
        f.spend_total, buyer & ~units_known, rules.top_share, given_cut(cuts, "high_volume_spend")
    )
    high_future_value, clv_cut = in_top_share(
        clv_12m, buyer, rules.top_share, given_cut(cuts, "high_future_value")
    )
    top_order_value, aov_cut = in_top_share(
        f.avg_order_value, buyer, rules.affluent_top_share, given_cut(cuts, "affluent")
    )
    detractor = at_most(f.latest_nps, config.surveys.detractor_max_nps)
    visits_per_order = f.visit_count / np.maximum(f.order_count, 1)

    labels = {
        "loyal": loyalty.loyal,
        "discount": (f.order_count >= rules.discount_min_orders)
        & at_least(f.discount_share, rules.discount_share),
        "impulsive": (f.order_count >= rules.impulsive_min_orders)
        & at_least(f.unplanned_order_share, rules.unplanned_share)
        & at_least(f.gap_cv, rules.impulsive_gap_cv),
        "need_oriented": (f.order_count >= rules.need_min_orders)
        & at_most(f.gap_cv, rules.need_gap_cv)
        & (f.categories_count <= rules.need_max_categories)
        & below(f.discount_share, rules.need_max_discount_share),
        "wanderer": (~buyer & (f.visits_inquiries >= rules.wanderer_min_visits_inquiries))
        | (buyer & at_least(visits_per_order, rules.wanderer_visits_per_order)),
        "high_volume": by_units | by_spend,
        "high_future_value": high_future_value,
        "benchmark": f.converted_referrals >= rules.benchmark_min_converted_referrals,
        "door_opener": f.door_opener.copy(),
        "inspiring": at_least(
            _suggestion_score(f, rules.accepted_suggestion_weight), rules.inspiring_min_score
        ),
        "difficult": (f.complaints_recent >= rules.difficult_min_complaints)
        | ((f.complaints_recent >= 1) & detractor),
        "sophisticated": buyer
        & (f.inquiries_before_first_order >= rules.sophisticated_min_inquiries),
        "affluent": top_order_value
        & at_most(f.discount_share, rules.affluent_max_discount_share)
        & at_least(f.premium_share, rules.affluent_min_premium_share),
    }
    cuts = {
        "high_volume_units": units_cut,
        "high_volume_spend": spend_cut,
        "high_future_value": clv_cut,
        "affluent": aov_cut,
    }
    return CustomerTypes(
        labels=labels, cuts=cuts, loyalty=loyalty, features=f, clv_12m=clv_12m, config=config
    )


def _suggestion_score(f: CustomerFeatures, accepted_weight: float) -> np.ndarray:
    """Suggestions, each accepted one counting `accepted_weight` times."""
    return f.suggestions + (accepted_weight - 1.0) * f.accepted_suggestions


def _one(code: str, **values: object) -> tuple[Evidence, ...]:
    plain = {name: scalar(value) for name, value in values.items()}
    return (Evidence(code=code, template=TEMPLATES[code], values=plain),)
