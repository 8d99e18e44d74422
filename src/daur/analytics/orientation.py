"""Orientation (SPEC §1.3): technology, else value, else cost, else none, from the spend mix."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from daur.analytics.cutoffs import at_least
from daur.analytics.evidence import Evidence, scalar
from daur.analytics.features import CustomerFeatures
from daur.analytics.rules_config import RulesConfig

ORIENTATIONS = ("cost", "value", "technology")  # codes 0..2; -1 is none
NO_ORIENTATION = -1

TEMPLATES = {
    "technology": "{share:.0%} of spend on products launched within {days} days before the "
    "order (at least {threshold:.0%})",
    "value": "{share:.0%} of spend on premium products (at least {threshold:.0%})",
    "cost_budget": "{share:.0%} of spend on budget products (at least {threshold:.0%})",
    "cost_discount": "{share:.0%} of orders on discount (at least {threshold:.0%})",
}


@dataclass(frozen=True)
class OrientationResult:
    """`orientation` holds codes into ORIENTATIONS (int8), -1 for none."""

    orientation: np.ndarray
    features: CustomerFeatures = field(repr=False)
    config: RulesConfig = field(repr=False)

    def names(self) -> np.ndarray:
        """Orientation names, "" for none."""
        return np.asarray(ORIENTATIONS + ("",), dtype=object)[self.orientation]

    def evidence(self, index: int) -> tuple[Evidence, ...]:
        f, rules = self.features, self.config.orientation
        code = self.orientation[index]
        if code == NO_ORIENTATION:
            return ()
        name = ORIENTATIONS[code]
        if name == "technology":
            values = {
                "share": f.new_product_share[index],
                "days": self.config.features.new_product_days,
                "threshold": rules.technology_min_new_share,
            }
            return (_evidence("technology", values),)
        if name == "value":
            values = {"share": f.premium_share[index], "threshold": rules.value_min_premium_share}
            return (_evidence("value", values),)
        reasons = []
        if at_least(f.budget_share[index], rules.cost_min_budget_share):
            values = {"share": f.budget_share[index], "threshold": rules.cost_min_budget_share}
            reasons.append(_evidence("cost_budget", values))
        if at_least(f.discount_share[index], rules.cost_min_discount_share):
            values = {"share": f.discount_share[index], "threshold": rules.cost_min_discount_share}
            reasons.append(_evidence("cost_discount", values))
        return tuple(reasons)


def orientation(features: CustomerFeatures, config: RulesConfig | None = None) -> OrientationResult:
    """The orientation of every customer; customers without orders have none."""
    config = config or RulesConfig()
    rules = config.orientation
    f = features
    technology = at_least(f.new_product_share, rules.technology_min_new_share)
    value = at_least(f.premium_share, rules.value_min_premium_share)
    cost = at_least(f.budget_share, rules.cost_min_budget_share) | at_least(
        f.discount_share, rules.cost_min_discount_share
    )
    code = np.select(
        [technology, value, cost],
        [ORIENTATIONS.index(name) for name in ("technology", "value", "cost")],
        default=NO_ORIENTATION,
    ).astype(np.int8)
    return OrientationResult(orientation=code, features=f, config=config)


def _evidence(code: str, values: dict[str, object]) -> Evidence:
    plain = {name: scalar(value) for name, value in values.items()}
    return Evidence(code=code, template=TEMPLATES[code], values=plain)
