"""Life-cycle stages (SPEC §1.2): one stage per customer, with its reasons, and regained events.

For a customer who has ordered, `lost` is tested first, then `lapsed`, then conversion /
retention / inspiration. A customer without orders is in `acquisition` when engaged (an inbound
interaction or a qualified lead), else in `reaching`. The stages are exhaustive and exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from daur.analytics.cutoffs import above, at_least, p_alive_array, p_alive_below
from daur.analytics.evidence import Evidence, scalar
from daur.analytics.features import CustomerFeatures
from daur.analytics.loyalty import LoyaltyResult, loyalty_score
from daur.analytics.rules_config import RulesConfig

LIFECYCLE_STAGES = (
    "reaching",
    "acquisition",
    "conversion",
    "retention",
    "inspiration",
    "lapsed",
    "lost",
)
STAGE_CODES = {name: code for code, name in enumerate(LIFECYCLE_STAGES)}
PROSPECT_STAGES = ("reaching", "acquisition")
ACTIVE_STAGES = ("conversion", "retention", "inspiration")
INACTIVE_STAGES = ("lapsed", "lost")

TEMPLATES = {
    "reaching": "Known to us, with no inbound interaction, qualified lead or order yet",
    "acquisition_interaction": "{interactions} inbound interactions (inquiry, visit, event, "
    "reply) and no order yet",
    "acquisition_lead": "A qualified lead and no order yet",
    "conversion": "Exactly one order, {days} days ago, and not lapsed",
    "retention": "{orders} orders, the last {days} days ago, and active",
    "p_alive_active": "P(alive) {p_alive:.2f} (at least {threshold:.2f})",
    "inspiration_loyal": "Loyal: loyalty score {score} of 4",
    "inspiration_referrals": "Advocate: {referrals} referred customers have ordered",
    "inspiration_promoter": "Advocate: latest NPS {nps} (at least {threshold})",
    "p_alive_below": "P(alive) {p_alive:.2f} is below {threshold:.2f}",
    "lapsed_recency": "No order for {days} days, more than {threshold} days "
    "(the longer of {min_days} days and {multiple} x the median gap)",
    "lost_recency": "No order for {days} days (at least {threshold})",
}


@dataclass(frozen=True)
class LifecycleResult:
    """`stage` holds codes into LIFECYCLE_STAGES (int8); the masks say which rules fired."""

    stage: np.ndarray
    lost_by_p_alive: np.ndarray
    lost_by_recency: np.ndarray
    lapsed_by_p_alive: np.ndarray
    lapsed_by_recency: np.ndarray
    loyalty: LoyaltyResult = field(repr=False)
    features: CustomerFeatures = field(repr=False)
    p_alive: np.ndarray = field(repr=False)
    config: RulesConfig = field(repr=False)

    def names(self) -> np.ndarray:
        """The stage names, one per customer."""
        return np.asarray(LIFECYCLE_STAGES, dtype=object)[self.stage]

    def is_stage(self, *names: str) -> np.ndarray:
        return np.isin(self.stage, [STAGE_CODES[name] for name in names])

    def stage_of(self, index: int) -> str:
        return LIFECYCLE_STAGES[self.stage[index]]

    def evidence(self, index: int) -> tuple[Evidence, ...]:
        """The reasons for this customer's stage."""
        f, rules, stage = self.features, self.config.lifecycle, self.stage_of(index)
        p_alive = self.p_alive[index]
        days = scalar(f.days_since_last_order[index]) if f.order_count[index] else None
        reasons: list[Evidence] = []
        if stage == "lost":
            if self.lost_by_p_alive[index]:
                reasons.append(_p_alive_below(p_alive, rules.p_alive_lost))
            if self.lost_by_recency[index]:
                values = {"days": days, "threshold": rules.lost_days}
                reasons.append(_evidence("lost_recency", values))
        elif stage == "lapsed":
            if self.lapsed_by_p_alive[index]:
                reasons.append(_p_alive_below(p_alive, rules.p_alive_lapsed))
            if self.lapsed_by_recency[index]:
                threshold = rules.lapse_threshold_days(f.gap_median_days[index])
                values = {
                    "days": days,
                    "threshold": scalar(np.round(threshold, 1)),
                    "min_days": rules.lapse_min_days,
                    "multiple": scalar(rules.lapse_gap_multiple),
                }
                reasons.append(_evidence("lapsed_recency", values))
        elif stage == "conversion":
            reasons.append(_evidence("conversion", {"days": days}))
        elif stage in ("retention", "inspiration"):
            values = {"orders": scalar(f.order_count[index]), "days": days}
            reasons.append(_evidence("retention", values))
            if not np.isnan(p_alive):
                values = {"p_alive": scalar(p_alive), "threshold": rules.p_alive_lapsed}
                reasons.append(_evidence("p_alive_active", values))
            if stage == "inspiration":
                reasons.extend(self._advocate_evidence(index))
        elif stage == "acquisition":
            if f.inbound_interactions[index]:
                values = {"interactions": scalar(f.inbound_interactions[index])}
                reasons.append(_evidence("acquisition_interaction", values))
            if f.qualified_lead[index]:
                reasons.append(_evidence("acquisition_lead", {}))
        else:
            reasons.append(_evidence("reaching", {}))
        return tuple(reasons)

    def _advocate_evidence(self, index: int) -> list[Evidence]:
        f, rules = self.features, self.config.lifecycle
        reasons = [_evidence("inspiration_loyal", {"score": scalar(self.loyalty.score[index])})]
        if f.converted_referrals[index] >= rules.advocate_min_converted_referrals:
            values = {"referrals": scalar(f.converted_referrals[index])}
            reasons.append(_evidence("inspiration_referrals", values))
        else:
            values = {
                "nps": scalar(f.latest_nps[index]),
                "threshold": scalar(self.config.surveys.promoter_min_nps),
            }
            reasons.append(_evidence("inspiration_promoter", values))
        return reasons


def lifecycle_stage(
    features: CustomerFeatures,
    p_alive: np.ndarray | None = None,
    config: RulesConfig | None = None,
    *,
    loyalty: LoyaltyResult | None = None,
) -> LifecycleResult:
    """The stage of every customer as of the features' day (SPEC §1.2)."""
    config = config or RulesConfig()
    rules = config.lifecycle
    f = features
    p_alive = p_alive_array(p_alive, f.n_customers)
    loyalty = loyalty or loyalty_score(f, p_alive, config)
    ordered = f.order_count > 0

    lost_by_p_alive = ordered & p_alive_below(p_alive, rules.p_alive_lost)
    lost_by_recency = ordered & at_least(f.days_since_last_order, rules.lost_days)
    lapsed_by_p_alive = ordered & p_alive_below(p_alive, rules.p_alive_lapsed)
    lapse_days = rules.lapse_threshold_days(f.gap_median_days)
    lapsed_by_recency = ordered & above(f.days_since_last_order, lapse_days)
    lost = lost_by_p_alive | lost_by_recency
    lapsed = ~lost & (lapsed_by_p_alive | lapsed_by_recency)
    active = ordered & ~lost & ~lapsed
    advocate = (f.converted_referrals >= rules.advocate_min_converted_referrals) | at_least(
        f.latest_nps, config.surveys.promoter_min_nps
    )
    engaged = (f.inbound_interactions > 0) | f.qualified_lead

    stage = np.select(
        [
            lost,
            lapsed,
            active & (f.order_count == 1),
            active & loyalty.loyal & advocate,
            active,
            engaged,
        ],
        [STAGE_CODES[name] for name in ("lost", "lapsed", "conversion", "inspiration")]
        + [STAGE_CODES["retention"], STAGE_CODES["acquisition"]],
        default=STAGE_CODES["reaching"],
    ).astype(np.int8)
    return LifecycleResult(
        stage=stage,
        lost_by_p_alive=lost_by_p_alive,
        lost_by_recency=lost_by_recency,
        lapsed_by_p_alive=lapsed_by_p_alive & ~lost,
        lapsed_by_recency=lapsed_by_recency & ~lost,
        loyalty=loyalty,
        features=f,
        p_alive=p_alive,
        config=config,
    )


@dataclass(frozen=True)
class StageTransition:
    """Per customer: did the stage change, and is the change a regained event."""

    changed: np.ndarray
    regained: np.ndarray


def stage_transitions(previous_stage: object, new_stage: object) -> StageTransition:
    """Compare stage names (or arrays of them); regained = lapsed/lost -> an active stage.

    A missing previous stage (None or "") is a change but never a regain.
    """
    previous = np.atleast_1d(np.asarray(previous_stage, dtype=object))
    new = np.atleast_1d(np.asarray(new_stage, dtype=object))
    for stages in (previous, new):
        unknown = set(stages.tolist()) - set(LIFECYCLE_STAGES) - {None, ""}
        if unknown:
            raise ValueError(f"unknown life-cycle stage(s): {', '.join(map(str, unknown))}")
    regained = np.isin(previous, INACTIVE_STAGES) & np.isin(new, ACTIVE_STAGES)
    return StageTransition(changed=previous != new, regained=regained)


def _p_alive_below(p_alive: float, threshold: float) -> Evidence:
    values = {"p_alive": scalar(p_alive), "threshold": threshold}
    return _evidence("p_alive_below", values)


def _evidence(code: str, values: dict[str, float | int | str | None]) -> Evidence:
    return Evidence(code=code, template=TEMPLATES[code], values=values)
