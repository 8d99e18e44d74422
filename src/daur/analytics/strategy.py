"""Relationship strategy (SPEC §1.5): the first rule that fires, with its reasons and actions.

The value measures, all among customers who have ordered:
- past value top = spend_total in the top `value_top_share` (25 %);
- top value = that, or clv_12m in the top 25 %;
- cost to serve over 12 months = cost_per_order x expected orders + cost_per_ticket x tickets
  per year (tickets of the recent window scaled to a year); expected orders default to the orders
  of the recent window scaled to a year. Both costs default to 0, which switches the cost test
  off until a business sets its own costs (amounts differ by currency);
- margin below cost = clv_12m < cost to serve; positive margin = clv_12m > cost to serve (an
  unscored CLV is neither);
- active = a buyer in conversion, retention or inspiration with P(alive) >= `active_p_alive`.
`end` reads SPEC's "lapsed/lost with low value, or margin < cost to serve" as applying to lapsed
and lost customers, so that `re_engineer` handles active customers below their cost to serve;
with `regain` taking the lapsed/lost top 25 %, every lapsed or lost customer gets regain or end.

Every customer who has ordered gets exactly one strategy (SPEC §1.5, last paragraph): where no
rule fires (e.g. an active customer with no risk, no gap and no growth problem, or one with
P(alive) between 0.5 and 0.7), a buyer in an active stage gets `protect` when it is top value
(keep what works) and `harvest` otherwise; those are marked in `fallback`. A prospect gets
`start` or none (-1) with the reason "prospect below the start threshold".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from daur.analytics.cutoffs import (
    at_least,
    at_most,
    bottom_share_cut,
    eased_down,
    eased_up,
    given_cut,
    in_top_share,
    median_among,
    p_alive_array,
    p_alive_at_least,
    p_alive_below,
    value_array,
)
from daur.analytics.evidence import Evidence, scalar
from daur.analytics.features import CustomerFeatures
from daur.analytics.lifecycle import LifecycleResult
from daur.analytics.rules_config import RulesConfig
from daur.analytics.typology import CustomerTypes

STRATEGIES = ("regain", "end", "protect", "start", "enhance", "re_engineer", "harvest")
NO_STRATEGY = -1
ACTIONS = {
    "regain": ("win-back offer", "personal call", "ask why they left"),
    "end": ("stop paid outreach",),
    "protect": ("account review", "priority service", "loyalty perk"),
    "start": ("assign a rep", "first offer", "free trial"),
    "enhance": ("cross-sell", "upgrade", "bundle"),
    "re_engineer": ("move to self-service", "low-cost channels"),
    "harvest": ("keep cheap automated contact only",),
}

TEMPLATES = {
    "inactive": "Stage {stage}",
    "past_value_top": "Past spend {spend:,.2f} in the top {share:.0%} of buyers "
    "(at least {cut:,.2f})",
    "past_value_low": "Past spend {spend:,.2f} outside the top {share:.0%} of buyers "
    "(below {cut:,.2f})",
    "margin_below_cost": "Expected 12-month margin {clv_12m:,.2f} below the cost to serve "
    "{cost:,.2f}",
    "value_top_clv": "Predicted 12-month CLV {clv_12m:,.2f} in the top {share:.0%} "
    "(at least {cut:,.2f})",
    "risk_p_alive": "At risk: P(alive) {p_alive:.2f} below {threshold:.2f}",
    "risk_complaint": "At risk: a complaint {days} days ago (within {threshold} days)",
    "risk_detractor": "At risk: latest NPS {nps} (at most {threshold})",
    "prospect_lead_score": "Prospect ({stage}) with lead score {lead_score:.2f} "
    "(at least {threshold:.2f})",
    "active": "Active: stage {stage}, P(alive) {p_alive:.2f} (at least {threshold:.2f})",
    "active_unscored": "Active: stage {stage}; P(alive) not scored",
    "gap_categories": "Buys in only {categories} categories (at most {threshold})",
    "gap_standard": "{share:.0%} of spend on the standard tier (at least {threshold:.0%})",
    "tickets_small_orders": "{tickets_per_order:.1f} tickets per order (at least "
    "{threshold:g}) and an average order of {aov:,.2f} in the bottom {share:.0%} "
    "(at most {cut:,.2f})",
    "positive_margin": "Expected 12-month margin {clv_12m:,.2f} above the cost to serve "
    "{cost:,.2f}",
    "low_growth_spend": "Spend of the last {days} days {recent:,.2f}, not above the "
    "{days} days before ({previous:,.2f})",
    "low_growth_clv": "Predicted 12-month CLV {clv_12m:,.2f} below the buyers' median "
    "{median:,.2f}",
    "no_rule": "No strategy rule fired (stage {stage})",
    "stage_active": "Stage {stage}",
    "keep_what_works": "No risk or gap found: keep what works",
    "not_top_value": "Past spend and predicted CLV outside the top {share:.0%} of buyers; "
    "no other rule fired",
    "prospect_below_start": "Not yet: prospect below the start threshold (a lead score of at "
    "least {threshold:.2f})",
}


@dataclass(frozen=True)
class StrategyResult:
    """`strategy` holds codes into STRATEGIES (int8), -1 when no rule fired.

    `fired` holds, per strategy, where its rule holds (several may; the first one wins);
    `fallback` where no rule fired and a buyer got `protect` or `harvest` by the last paragraph
    of SPEC §1.5.
    """

    strategy: np.ndarray
    fired: dict[str, np.ndarray]
    fallback: np.ndarray
    measures: dict[str, np.ndarray] = field(repr=False)
    cuts: dict[str, float] = field(repr=False)
    stage: LifecycleResult = field(repr=False)
    features: CustomerFeatures = field(repr=False)
    p_alive: np.ndarray = field(repr=False)
    clv_12m: np.ndarray = field(repr=False)
    config: RulesConfig = field(repr=False)

    def names(self) -> np.ndarray:
        """Strategy names, "" where none."""
        return np.asarray(STRATEGIES + ("",), dtype=object)[self.strategy]

    def strategy_of(self, index: int) -> str | None:
        code = self.strategy[index]
        return None if code == NO_STRATEGY else STRATEGIES[code]

    def actions(self, index: int) -> tuple[str, ...]:
        name = self.strategy_of(index)
        return ACTIONS[name] if name else ()

    def evidence(self, index: int) -> tuple[Evidence, ...]:
        """The reasons the chosen rule fired for this customer."""
        name = self.strategy_of(index)
        if name is None:
            if self.features.order_count[index] == 0:
                threshold = self.config.strategy.high_lead_score
                return (_evidence("prospect_below_start", threshold=threshold),)
            return (_evidence("no_rule", stage=self.stage.stage_of(index)),)
        if self.fallback[index]:
            return tuple(self._fallback(index))
        return tuple(getattr(self, f"_{name}")(index))

    def _fallback(self, i: int) -> list[Evidence]:
        reasons = [_evidence("stage_active", stage=self.stage.stage_of(i))]
        if self.strategy_of(i) == "protect":
            reasons += self._value_top(i)
            reasons.append(_evidence("keep_what_works"))
        else:
            share = self.config.strategy.value_top_share
            reasons.append(_evidence("not_top_value", share=share))
        return reasons

    def _value_top(self, i: int) -> list[Evidence]:
        reasons = []
        if self.measures["past_value_top"][i]:
            reasons.append(self._past_value(i))
        if self.measures["clv_top"][i]:
            cut, share = self.cuts["clv_top"], self.config.strategy.value_top_share
            reasons.append(
                _evidence("value_top_clv", clv_12m=self.clv_12m[i], share=share, cut=cut)
            )
        return reasons

    def _regain(self, i: int) -> list[Evidence]:
        return [self._inactive(i), self._past_value(i)]

    def _end(self, i: int) -> list[Evidence]:
        reasons = [self._inactive(i)]
        if not self.measures["past_value_top"][i]:
            reasons.append(self._past_value(i))
        if self.measures["margin_below_cost"][i]:
            reasons.append(self._margin("margin_below_cost", i))
        return reasons

    def _protect(self, i: int) -> list[Evidence]:
        m, f, rules = self.measures, self.features, self.config.strategy
        reasons = self._value_top(i)
        if m["risk_p_alive"][i]:
            values = {"p_alive": self.p_alive[i], "threshold": rules.protect_p_alive}
            reasons.append(_evidence("risk_p_alive", **values))
        if m["risk_complaint"][i]:
            values = {
                "days": f.days_since_last_complaint[i],
                "threshold": rules.recent_complaint_days,
            }
            reasons.append(_evidence("risk_complaint", **values))
        if m["risk_detractor"][i]:
            values = {"nps": f.latest_nps[i], "threshold": self.config.surveys.detractor_max_nps}
            reasons.append(_evidence("risk_detractor", **values))
        return reasons

    def _start(self, i: int) -> list[Evidence]:
        values = {
            "stage": self.stage.stage_of(i),
            "lead_score": self.features.lead_score[i],
            "threshold": self.config.strategy.high_lead_score,
        }
        return [_evidence("prospect_lead_score", **values)]

    def _enhance(self, i: int) -> list[Evidence]:
        f, rules = self.features, self.config.strategy
        reasons = [self._active(i)]
        if f.categories_count[i] <= rules.cross_sell_max_categories:
            values = {
                "categories": f.categories_count[i],
                "threshold": rules.cross_sell_max_categories,
            }
            reasons.append(_evidence("gap_categories", **values))
        if at_least(f.standard_share[i], rules.standard_dominant_share):
            values = {"share": f.standard_share[i], "threshold": rules.standard_dominant_share}
            reasons.append(_evidence("gap_standard", **values))
        return reasons

    def _re_engineer(self, i: int) -> list[Evidence]:
        f, rules = self.features, self.config.strategy
        reasons = [self._active(i)]
        if self.measures["margin_below_cost"][i]:
            reasons.append(self._margin("margin_below_cost", i))
        if self.measures["tickets_small_orders"][i]:
            values = {
                "tickets_per_order": f.tickets_per_order[i],
                "threshold": rules.max_tickets_per_order,
                "aov": f.avg_order_value[i],
                "share": rules.small_order_share,
                "cut": self.cuts["small_order"],
            }
            reasons.append(_evidence("tickets_small_orders", **values))
        return reasons

    def _harvest(self, i: int) -> list[Evidence]:
        f = self.features
        reasons = [self._active(i), self._margin("positive_margin", i)]
        if self.measures["flat_spend"][i]:
            values = {
                "days": self.config.features.recent_days,
                "recent": f.spend_recent[i],
                "previous": f.spend_previous[i],
            }
            reasons.append(_evidence("low_growth_spend", **values))
        if self.measures["low_clv"][i]:
            values = {"clv_12m": self.clv_12m[i], "median": self.cuts["clv_median"]}
            reasons.append(_evidence("low_growth_clv", **values))
        return reasons

    def _inactive(self, i: int) -> Evidence:
        return _evidence("inactive", stage=self.stage.stage_of(i))

    def _past_value(self, i: int) -> Evidence:
        code = "past_value_top" if self.measures["past_value_top"][i] else "past_value_low"
        values = {
            "spend": self.features.spend_total[i],
            "share": self.config.strategy.value_top_share,
            "cut": self.cuts["past_value_top"],
        }
        return _evidence(code, **values)

    def _margin(self, code: str, i: int) -> Evidence:
        values = {"clv_12m": self.clv_12m[i], "cost": self.measures["cost_to_serve_12m"][i]}
        return _evidence(code, **values)

    def _active(self, i: int) -> Evidence:
        stage = self.stage.stage_of(i)
        if np.isnan(self.p_alive[i]):
            return _evidence("active_unscored", stage=stage)
        threshold = self.config.strategy.active_p_alive
        return _evidence("active", stage=stage, p_alive=self.p_alive[i], threshold=threshold)


def relationship_strategy(
    features: CustomerFeatures,
    stage: LifecycleResult,
    p_alive: np.ndarray | None = None,
    clv_12m: np.ndarray | None = None,
    types: CustomerTypes | None = None,
    config: RulesConfig | None = None,
    *,
    expected_orders_12m: np.ndarray | None = None,
    cuts: Mapping[str, float] | None = None,
) -> StrategyResult:
    """One strategy per customer: the first rule of SPEC §1.5 that fires.

    `cuts` (an earlier result's) fix the value cut-offs, as in `customer_types`.

    `types` is accepted for callers that have it; no default rule reads a type label today.
    """
    config = config or RulesConfig()
    rules = config.strategy
    f = features
    n = f.n_customers
    p_alive = p_alive_array(p_alive, n)
    clv_12m = value_array(clv_12m, n, "clv_12m")
    year_scale = 365.0 / config.features.recent_days
    expected_orders = value_array(expected_orders_12m, n, "expected_orders_12m")
    expected_orders = np.where(
        np.isnan(expected_orders), f.orders_recent * year_scale, expected_orders
    )
    cost_to_serve = (
        rules.cost_per_order * expected_orders
        + rules.cost_per_ticket * f.tickets_recent * year_scale
    )
    buyer = f.order_count > 0
    inactive = stage.is_stage("lapsed", "lost")
    active_stage = stage.is_stage("conversion", "retention", "inspiration")
    active = active_stage & p_alive_at_least(p_alive, rules.active_p_alive)

    past_value_top, past_cut = in_top_share(
        f.spend_total, buyer, rules.value_top_share, given_cut(cuts, "past_value_top")
    )
    clv_top, clv_cut = in_top_share(
        clv_12m, buyer, rules.value_top_share, given_cut(cuts, "clv_top")
    )
    margin_below_cost = clv_12m < cost_to_serve
    positive_margin = clv_12m > cost_to_serve
    risk_p_alive = p_alive_below(p_alive, rules.protect_p_alive)
    risk_complaint = at_most(f.days_since_last_complaint, rules.recent_complaint_days)
    risk_detractor = at_most(f.latest_nps, config.surveys.detractor_max_nps)
    cross_sell_gap = (f.categories_count <= rules.cross_sell_max_categories) | at_least(
        f.standard_share, rules.standard_dominant_share
    )
    small_order_cut = given_cut(cuts, "small_order")
    if small_order_cut is not None:
        small_order_cut = eased_up(small_order_cut)
    else:
        small_order_cut = bottom_share_cut(f.avg_order_value, buyer, rules.small_order_share)
    tickets_small_orders = at_least(f.tickets_per_order, rules.max_tickets_per_order) & (
        f.avg_order_value <= small_order_cut
    )
    clv_median = given_cut(cuts, "clv_median")
    clv_median = eased_down(clv_median) if clv_median is not None else median_among(clv_12m, buyer)
    flat_spend = f.spend_recent <= f.spend_previous
    low_clv = clv_12m < clv_median

    fired = {
        "regain": inactive & past_value_top,
        "end": inactive & (~past_value_top | margin_below_cost),
        "protect": active_stage
        & (past_value_top | clv_top)
        & (risk_p_alive | risk_complaint | risk_detractor),
        "start": stage.is_stage("reaching", "acquisition")
        & at_least(f.lead_score, rules.high_lead_score),
        "enhance": active & cross_sell_gap,
        "re_engineer": active & (margin_below_cost | tickets_small_orders),
        "harvest": active & positive_margin & (flat_spend | low_clv),
    }
    code = np.select(
        [fired[name] for name in STRATEGIES], list(range(len(STRATEGIES))), default=NO_STRATEGY
    ).astype(np.int8)
    # Every buyer gets one: lapsed and lost ones already have regain or end.
    fallback = buyer & (code == NO_STRATEGY) & ~inactive
    code[fallback] = np.where(
        (past_value_top | clv_top)[fallback],
        STRATEGIES.index("protect"),
        STRATEGIES.index("harvest"),
    )
    measures = {
        "cost_to_serve_12m": cost_to_serve,
        "past_value_top": past_value_top,
        "clv_top": clv_top,
        "margin_below_cost": margin_below_cost,
        "risk_p_alive": risk_p_alive,
        "risk_complaint": risk_complaint,
        "risk_detractor": risk_detractor,
        "tickets_small_orders": tickets_small_orders,
        "flat_spend": flat_spend,
        "low_clv": low_clv,
    }
    cuts = {
        "past_value_top": past_cut,
        "clv_top": clv_cut,
        "small_order": small_order_cut,
        "clv_median": clv_median,
    }
    return StrategyResult(
        strategy=code,
        fired=fired,
        fallback=fallback,
        measures=measures,
        cuts=cuts,
        stage=stage,
        features=f,
        p_alive=p_alive,
        clv_12m=clv_12m,
        config=config,
    )


def _evidence(code: str, **values: object) -> Evidence:
    plain = {
        name: scalar(value) if not isinstance(value, str) else value
        for name, value in values.items()
    }
    return Evidence(code=code, template=TEMPLATES[code], values=plain)
