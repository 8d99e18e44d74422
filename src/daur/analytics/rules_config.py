"""Every threshold of the customer rules (SPEC §1.2-1.5) with its default, overridable from TOML."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class FeatureRules:
    """How events become features."""

    new_product_days: int = 180  # a product is new when launched at most this long before the order
    unplanned_lookback_days: int = 14  # no visit/inquiry in these days before an order -> unplanned
    recent_days: int = 365  # the "last 365 days" of complaints, tickets and spend growth


@dataclass(frozen=True)
class LifecycleRules:
    """SPEC §1.2."""

    p_alive_lapsed: float = 0.5
    p_alive_lost: float = 0.1
    lapse_min_days: int = 90
    lapse_gap_multiple: float = 3.0
    lost_days: int = 365
    advocate_min_converted_referrals: int = 1  # or a promoter NPS ([surveys])

    def lapse_threshold_days(self, gap_median_days: np.ndarray) -> np.ndarray:
        """max(lapse_min_days, lapse_gap_multiple x own median gap); the minimum when no gap."""
        return np.fmax(float(self.lapse_min_days), self.lapse_gap_multiple * gap_median_days)


@dataclass(frozen=True)
class LoyaltyRules:
    """SPEC §1.4, and the `loyal` type of §1.3 built on it."""

    repeat_min_orders: int = 3  # "more than two orders"
    min_categories: int = 2
    min_referrals: int = 1  # or a promoter NPS ([surveys])
    max_discount_share: float = 0.5  # resists competitors: discount share below this
    loyal_min_score: int = 3
    loyal_p_alive: float = 0.5


@dataclass(frozen=True)
class TypeRules:
    """SPEC §1.3, the multi-label customer types."""

    discount_min_orders: int = 2
    discount_share: float = 0.60
    impulsive_min_orders: int = 3
    unplanned_share: float = 0.60
    impulsive_gap_cv: float = 1.0
    need_min_orders: int = 3
    need_gap_cv: float = 0.5
    need_max_categories: int = 2
    need_max_discount_share: float = 0.30  # exclusive: discount share must stay below it
    wanderer_min_visits_inquiries: int = 3
    wanderer_visits_per_order: float = 5.0
    top_share: float = 0.10  # high_volume and high_future_value
    benchmark_min_converted_referrals: int = 2
    inspiring_min_score: float = 1.0
    accepted_suggestion_weight: float = 2.0  # an accepted suggestion counts this many times
    difficult_min_complaints: int = 2  # or one and a detractor NPS ([surveys])
    sophisticated_min_inquiries: int = 3
    affluent_top_share: float = 0.10
    affluent_max_discount_share: float = 0.10
    affluent_min_premium_share: float = 0.50


@dataclass(frozen=True)
class OrientationRules:
    """SPEC §1.3, orientation: technology, then value, then cost."""

    technology_min_new_share: float = 0.50
    value_min_premium_share: float = 0.50
    cost_min_budget_share: float = 0.50
    cost_min_discount_share: float = 0.60


@dataclass(frozen=True)
class StrategyRules:
    """SPEC §1.5. Costs are in the currency of the amounts; 0 disables the cost comparison."""

    value_top_share: float = 0.25  # "top 25 %" of past value (spend) and of CLV
    protect_p_alive: float = 0.7  # at risk below this
    active_p_alive: float = 0.7  # "active" for enhance, re_engineer and harvest
    recent_complaint_days: int = 90  # a detractor NPS ([surveys]) is a risk too
    high_lead_score: float = 0.5
    cross_sell_max_categories: int = 2
    standard_dominant_share: float = 0.5  # standard-tier share of spend at or above this
    cost_per_order: float = 0.0
    cost_per_ticket: float = 0.0
    max_tickets_per_order: float = 1.0  # re_engineer: at least this many tickets per order ...
    small_order_share: float = 0.25  # ... and an average order in the bottom quarter


@dataclass(frozen=True)
class LeadScoreRules:
    """The lead score (SPEC §6 Leads): when history is thin, how the model is learned and shown."""

    # "Thin" history: fewer than this many won, or lost, closed leads -> the per-channel prior.
    min_outcomes: int = 30
    prior_strength: float = 10.0  # pseudo-leads of the overall win rate added to each channel
    default_win_rate: float = 0.2  # the prior when no lead has closed yet
    regularisation: float = 1.0  # L2 strength of the logistic regression (1 / C)
    holdout_share: float = 0.25  # closed leads kept aside to check the calibration
    max_calibration_error: float = 0.05  # above this on the hold-out, recalibrate (Platt)
    min_level_count: int = 5  # a source/campaign/industry/country seen less often is "other"
    max_levels: int = 30  # at most this many levels per categorical feature
    factors_shown: int = 5  # the largest contributions kept with each score


@dataclass(frozen=True)
class SurveyRules:
    """The NPS bands every rule and figure uses (SPEC §1.2-1.5, §1.7): a promoter answers at
    least `promoter_min_nps`, a detractor at most `detractor_max_nps`, a passive in between."""

    promoter_min_nps: float = 9.0
    detractor_max_nps: float = 6.0


@dataclass(frozen=True)
class CampaignRules:
    """When a campaign's uplift can be measured (SPEC §6 Campaigns), and how it is read out."""

    attribution_window_days: int = 30  # a member converts with a first order in these days
    min_group_members: int = 100  # each group, treated and hold-out, has at least this many
    min_conversions: int = 10  # converted members over both groups
    min_non_conversions: int = 10  # members who did not convert, over both groups
    confidence: float = 0.95  # of every uplift interval


SECTIONS: dict[str, type] = {
    "features": FeatureRules,
    "lifecycle": LifecycleRules,
    "loyalty": LoyaltyRules,
    "types": TypeRules,
    "orientation": OrientationRules,
    "strategy": StrategyRules,
    "leads": LeadScoreRules,
    "surveys": SurveyRules,
    "campaigns": CampaignRules,
}

# Keys of earlier versions, each of which held a copy of an NPS band: still accepted, they set the
# one [surveys] key (two of them set to different values are refused: they no longer can differ).
ALIASES: dict[str, str] = {
    "lifecycle.advocate_min_nps": "surveys.promoter_min_nps",
    "loyalty.promoter_min_nps": "surveys.promoter_min_nps",
    "types.detractor_max_nps": "surveys.detractor_max_nps",
    "strategy.detractor_max_nps": "surveys.detractor_max_nps",
}


@dataclass(frozen=True)
class RulesConfig:
    """All sections. Override with `from_mapping({"types": {"discount_share": 0.5}})`,
    dotted keys (`{"types.discount_share": 0.5}`) or `from_toml(path)` with one table per section.
    """

    features: FeatureRules = field(default_factory=FeatureRules)
    lifecycle: LifecycleRules = field(default_factory=LifecycleRules)
    loyalty: LoyaltyRules = field(default_factory=LoyaltyRules)
    types: TypeRules = field(default_factory=TypeRules)
    orientation: OrientationRules = field(default_factory=OrientationRules)
    strategy: StrategyRules = field(default_factory=StrategyRules)
    leads: LeadScoreRules = field(default_factory=LeadScoreRules)
    surveys: SurveyRules = field(default_factory=SurveyRules)
    campaigns: CampaignRules = field(default_factory=CampaignRules)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> RulesConfig:
        overrides: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
        for key, value in mapping.items():
            if "." in key:
                section, _, name = key.partition(".")
                _check_section(section, key)
                overrides[section][name] = value
            elif key in SECTIONS:
                if not isinstance(value, Mapping):
                    raise ValueError(f"rules setting {key!r} must be a table of settings")
                overrides[key].update(value)
            else:
                raise ValueError(
                    f"unknown rules setting {key!r}; expected one of the sections "
                    f"{', '.join(SECTIONS)} or a dotted key such as 'types.discount_share'"
                )
        _resolve_aliases(overrides)
        sections = {
            name: _section(SECTIONS[name], name, values) for name, values in overrides.items()
        }
        return cls(**sections)

    @classmethod
    def from_toml(cls, path: str | Path) -> RulesConfig:
        with open(path, "rb") as handle:
            return cls.from_mapping(tomllib.load(handle))

    def as_mapping(self) -> dict[str, dict[str, Any]]:
        return dataclasses.asdict(self)


def _resolve_aliases(overrides: dict[str, dict[str, Any]]) -> None:
    """Move the settings written under an earlier key (ALIASES) to the key that holds them now."""
    set_by = {
        target: target
        for target in ALIASES.values()
        if target.partition(".")[2] in overrides[target.partition(".")[0]]
    }
    for alias, target in ALIASES.items():
        section, _, name = alias.partition(".")
        if name not in overrides[section]:
            continue
        value = overrides[section].pop(name)
        new_section, _, new_name = target.partition(".")
        current = overrides[new_section]
        if new_name in current and current[new_name] != value:
            raise ValueError(
                f"rules settings {set_by[target]!r} = {current[new_name]!r} and {alias!r} = "
                f"{value!r} disagree: both now set {target!r}; keep one"
            )
        current[new_name] = value
        set_by.setdefault(target, alias)


def _check_section(section: str, key: str) -> None:
    if section not in SECTIONS:
        raise ValueError(f"unknown rules setting {key!r}: no section {section!r}")


def _section(section_type: type, section: str, values: Mapping[str, Any]) -> Any:
    known = {f.name: f for f in dataclasses.fields(section_type)}
    converted = {}
    for name, value in values.items():
        key = f"{section}.{name}"
        if name not in known:
            raise ValueError(
                f"unknown rules setting {key!r}; known in [{section}]: {', '.join(known)}"
            )
        converted[name] = _number(key, value, known[name].type)
    return section_type(**converted)


def _number(key: str, value: Any, annotation: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"rules setting {key!r} must be a number, not {value!r}")
    if annotation in ("int", int):
        if not float(value).is_integer():
            raise ValueError(f"rules setting {key!r} must be a whole number, not {value!r}")
        return int(value)
    return float(value)
