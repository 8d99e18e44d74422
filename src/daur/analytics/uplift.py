"""A campaign's uplift: treated minus hold-out, with intervals (SPEC §4 campaign report, §6).

Input, one entry per member: the group (treated or hold-out), whether the member converted (a
first order in the attribution window), the spend in the window, and optionally a pre-launch
covariate (the member's BG/NBD expected purchases) and whether a coupon was redeemed.

Methods (every interval at `CampaignRules.confidence`, 95 % by default):
- conversion: difference in proportions, treated minus hold-out; the Miettinen-Nurminen score
  test (p-value of no difference, the same as statsmodels' `test_proportions_2indep(method=
  "score")`) and the interval of every difference that test does not reject. It keeps its
  coverage at small rates where the Wald interval does not, and p < 0.05 exactly when the 95 %
  interval leaves out 0. The inversion is done here: statsmodels' score interval fails (NaN) for
  large differences.
- spend per member: difference in means with Welch's t-test and its interval (scipy
  `ttest_ind(equal_var=False)`), unequal variances and group sizes allowed.
- CUPED (Deng et al. 2013), beside each raw estimate when a covariate is given: every outcome y
  becomes y - theta (x - mean x), theta = cov(y, x) / var(x) over all members of both groups
  pooled; the adjusted difference in means is read with the same Welch t-test. Randomisation makes
  x independent of the group, so the estimate stays unbiased while its variance shrinks by the
  share of y explained by x: `variance_reduction` = 1 - SE(CUPED)^2 / SE(raw)^2.
- incremental revenue: the spend-per-member uplift x the treated members, set against the
  campaign's cost (`net_revenue`).

Measurable (one rule, `is_measurable`): each group has at least `min_group_members` members, and
over both groups at least `min_conversions` members converted and `min_non_conversions` did
not. A campaign that is not measurable still reports its groups and raw differences, with no
interval or p-value, and the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, stats

from daur.analytics.rules_config import CampaignRules


@dataclass(frozen=True)
class GroupFigures:
    members: int
    converted: int
    conversion_rate: float | None  # None for an empty group
    spend_per_member: float | None
    redemptions: int | None  # None when redemptions were not given

    def to_json(self) -> dict[str, Any]:
        return {
            "members": self.members,
            "converted": self.converted,
            "conversion_rate": self.conversion_rate,
            "spend_per_member": self.spend_per_member,
            "redemptions": self.redemptions,
        }


@dataclass(frozen=True)
class Estimate:
    """A difference treated minus hold-out; the interval and p-value are None when unmeasured."""

    estimate: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "estimate": _finite_or_none(self.estimate),
            "ci_low": _finite_or_none(self.ci_low),
            "ci_high": _finite_or_none(self.ci_high),
            "p_value": _finite_or_none(self.p_value),
        }

    def contains(self, value: float) -> bool:
        return self.ci_low is not None and self.ci_low <= value <= self.ci_high


@dataclass(frozen=True)
class CupedEstimate(Estimate):
    """The CUPED estimate with its theta and 1 - SE(CUPED)^2 / SE(raw)^2."""

    theta: float | None = None
    variance_reduction: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            **super().to_json(),
            "theta": self.theta,
            "variance_reduction": self.variance_reduction,
        }


@dataclass(frozen=True)
class UpliftReport:
    treated: GroupFigures
    holdout: GroupFigures
    conversion: Estimate
    spend_per_member: Estimate
    conversion_cuped: CupedEstimate | None  # None without a covariate
    spend_per_member_cuped: CupedEstimate | None
    incremental_revenue: float | None
    cost: float
    measurable: bool
    reason: str | None
    confidence: float

    @property
    def net_revenue(self) -> float | None:
        if self.incremental_revenue is None:
            return None
        return self.incremental_revenue - self.cost

    def to_json(self) -> dict[str, Any]:
        """SPEC §4's `groups`, `uplift`, `incremental_revenue`, `cost`, `measurable`, `reason`;
        the CUPED estimates under `uplift_cuped` (null without a covariate)."""
        cuped = None
        if self.conversion_cuped is not None and self.spend_per_member_cuped is not None:
            cuped = {
                "conversion": self.conversion_cuped.to_json(),
                "spend_per_member": self.spend_per_member_cuped.to_json(),
            }
        return {
            "groups": {"treated": self.treated.to_json(), "holdout": self.holdout.to_json()},
            "uplift": {
                "conversion": self.conversion.to_json(),
                "spend_per_member": self.spend_per_member.to_json(),
            },
            "uplift_cuped": cuped,
            "confidence": self.confidence,
            "incremental_revenue": self.incremental_revenue,
            "cost": self.cost,
            "net_revenue": self.net_revenue,
            "measurable": self.measurable,
            "reason": self.reason,
        }


def uplift_report(
    group: Any,
    converted: Any,
    spend: Any,
    *,
    covariate: Any = None,
    redeemed: Any = None,
    cost: float = 0.0,
    rules: CampaignRules | None = None,
) -> UpliftReport:
    """The uplift read-out of one campaign. `group`: booleans (True = treated) or the strings
    "treated" / "holdout"; `converted`, `redeemed`: booleans; `spend`, `covariate`: finite
    numbers; all of one length. Raises ValueError naming the field that is wrong."""
    rules = rules or CampaignRules()
    if not 0.0 < rules.confidence < 1.0:
        raise ValueError(f"campaigns.confidence must be between 0 and 1, not {rules.confidence}")
    treated = _group_mask(group)
    n = len(treated)
    conv = _bool_array("converted", converted, n)
    spend_arr = _finite_array("spend", spend, n)
    x = None if covariate is None else _finite_array("covariate", covariate, n)
    red = None if redeemed is None else _bool_array("redeemed", redeemed, n)
    cost = float(cost)
    if not np.isfinite(cost):
        raise ValueError(f"cost must be a finite number, not {cost!r}")

    groups = [_figures(mask, conv, spend_arr, red) for mask in (treated, ~treated)]
    reason = is_measurable(groups[0], groups[1], rules)
    if reason is None and _variance(spend_arr, treated) == 0.0:
        reason = "the spend is the same for every member of each group: no interval"
    measurable = reason is None

    both = groups[0].members > 0 and groups[1].members > 0
    conv_raw = _point(groups, "conversion_rate")
    spend_raw = _point(groups, "spend_per_member")
    conv_cuped = spend_cuped = None
    if measurable:
        conv_raw = _proportion_difference(groups[0], groups[1], rules.confidence)
        spend_raw = _welch(spend_arr, treated, rules.confidence)
    if x is not None and both:
        conv_cuped = _cuped(conv.astype(np.float64), x, treated, rules.confidence, measurable)
        spend_cuped = _cuped(spend_arr, x, treated, rules.confidence, measurable)

    incremental = None
    if spend_raw.estimate is not None:
        incremental = spend_raw.estimate * groups[0].members
    return UpliftReport(
        treated=groups[0],
        holdout=groups[1],
        conversion=conv_raw,
        spend_per_member=spend_raw,
        conversion_cuped=conv_cuped,
        spend_per_member_cuped=spend_cuped,
        incremental_revenue=incremental,
        cost=cost,
        measurable=measurable,
        reason=reason,
        confidence=rules.confidence,
    )


def is_measurable(treated: GroupFigures, holdout: GroupFigures, rules: CampaignRules) -> str | None:
    """None when the campaign can be measured, else the reason it cannot (the one rule)."""
    needed = max(rules.min_group_members, 2)  # a variance needs two members
    for name, figures in (("treated", treated), ("hold-out", holdout)):
        if figures.members < needed:
            return f"the {name} group has {figures.members} members, fewer than the {needed} needed"
    converted = treated.converted + holdout.converted
    if converted < rules.min_conversions:
        return f"{converted} members converted, fewer than the {rules.min_conversions} needed"
    not_converted = treated.members + holdout.members - converted
    if not_converted < rules.min_non_conversions:
        return (
            f"{not_converted} members did not convert, fewer than the "
            f"{rules.min_non_conversions} needed"
        )
    return None


def _finite_or_none(value: float | None) -> float | None:
    """JSON has no NaN: an undefined figure is null."""
    return value if value is not None and np.isfinite(value) else None


def _group_mask(group: Any) -> np.ndarray:
    arr = np.asarray(group)
    if arr.ndim != 1:
        raise ValueError("group must be a one-dimensional array, one entry per member")
    if arr.dtype == np.bool_:
        return arr
    if arr.dtype.kind in "USO":
        values = arr.astype(str)
        treated = values == "treated"
        unknown = ~treated & (values != "holdout")
        if unknown.any():
            bad = values[unknown][0]
            raise ValueError(f"group must be 'treated' or 'holdout', not {str(bad)!r}")
        return treated
    raise ValueError(f"group must be booleans or 'treated'/'holdout', not {arr.dtype} values")


def _bool_array(name: str, values: Any, n: int) -> np.ndarray:
    arr = np.asarray(values)
    _check_shape(name, arr, n)
    if arr.dtype == np.bool_:
        return arr
    if arr.dtype.kind in "iuf" and np.isin(arr, (0, 1)).all():
        return arr.astype(bool)
    raise ValueError(f"{name} must be booleans (or 0/1), one per member")


def _finite_array(name: str, values: Any, n: int) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers, one per member") from None
    _check_shape(name, arr, n)
    bad = ~np.isfinite(arr)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} must be finite: {int(bad.sum())} NaN or infinite value(s), "
            f"the first at member {index} ({arr[index]})"
        )
    return arr


def _check_shape(name: str, arr: np.ndarray, n: int) -> None:
    if arr.shape != (n,):
        raise ValueError(f"{name} has shape {arr.shape}; expected ({n},), one per member")


def _figures(
    mask: np.ndarray, conv: np.ndarray, spend: np.ndarray, red: np.ndarray | None
) -> GroupFigures:
    members = int(mask.sum())
    converted = int(np.count_nonzero(conv & mask))
    redemptions = None if red is None else int(np.count_nonzero(red & mask))
    if members == 0:
        return GroupFigures(0, 0, None, None, redemptions)
    total = float(spend @ mask)  # a dot product: no copy of the group's spend
    return GroupFigures(members, converted, converted / members, total / members, redemptions)


def _point(groups: list[GroupFigures], field: str) -> Estimate:
    a, b = getattr(groups[0], field), getattr(groups[1], field)
    return Estimate(None if a is None or b is None else a - b)


def _variance(values: np.ndarray, treated: np.ndarray) -> float:
    """The larger of the two groups' variances (0 when both are constant)."""
    return max(float(np.var(values[treated])), float(np.var(values[~treated])))


def _proportion_difference(t: GroupFigures, h: GroupFigures, confidence: float) -> Estimate:
    """Miettinen-Nurminen: the score test of p_t - p_h = 0, and the interval of the differences
    that test does not reject (found by root finding on the monotone score statistic)."""
    args = (t.converted, t.members, h.converted, h.members)
    estimate = t.converted / t.members - h.converted / h.members
    z_crit = float(stats.norm.isf((1 - confidence) / 2))
    low, high = -1.0, 1.0
    edge = 1.0 - 1e-12
    if estimate > -edge and score_statistic(*args, -edge) > z_crit:
        low = optimize.brentq(lambda d: score_statistic(*args, d) - z_crit, -edge, estimate)
    if estimate < edge and score_statistic(*args, edge) < -z_crit:
        high = optimize.brentq(lambda d: score_statistic(*args, d) + z_crit, estimate, edge)
    z0 = score_statistic(*args, 0.0)
    return Estimate(estimate, float(low), float(high), float(2 * stats.norm.sf(abs(z0))))


def score_statistic(x1: int, n1: int, x2: int, n2: int, delta: float) -> float:
    """The Miettinen-Nurminen (1985) statistic of H0: p1 - p2 = delta: the observed difference
    minus delta over its standard error at the maximum likelihood (p1, p2) restricted to H0 (the
    root of a cubic, in closed form), with the N / (N - 1) variance correction."""
    p1, p2 = x1 / n1, x2 / n2
    theta = n2 / n1
    a = 1.0 + theta
    b = -(1.0 + theta + p1 + theta * p2 + delta * (theta + 2.0))
    c = delta * delta + delta * (2.0 * p1 + theta + 1.0) + p1 + theta * p2
    d = -p1 * delta * (1.0 + delta)
    v = b**3 / (3.0 * a) ** 3 - b * c / (6.0 * a * a) + d / (2.0 * a)
    u = math.copysign(math.sqrt(max(b * b / (3.0 * a) ** 2 - c / (3.0 * a), 0.0)), v)
    ratio = 0.0 if u == 0.0 else min(max(v / u**3, -1.0), 1.0)
    w = (math.pi + math.acos(ratio)) / 3.0
    q1 = min(max(2.0 * u * math.cos(w) - b / (3.0 * a), 0.0), 1.0)
    q2 = min(max(q1 - delta, 0.0), 1.0)
    n = n1 + n2
    variance = (q1 * (1.0 - q1) / n1 + q2 * (1.0 - q2) / n2) * n / (n - 1)
    diff = p1 - p2 - delta
    if variance <= 0.0:
        return 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
    return diff / math.sqrt(variance)


def _welch(values: np.ndarray, treated: np.ndarray, confidence: float) -> Estimate:
    a, b = values[treated], values[~treated]
    result = stats.ttest_ind(a, b, equal_var=False)
    interval = result.confidence_interval(confidence)
    return Estimate(
        float(a.mean() - b.mean()), float(interval.low), float(interval.high), float(result.pvalue)
    )


def _welch_se(values: np.ndarray, treated: np.ndarray) -> float:
    a, b = values[treated], values[~treated]
    return float(np.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b)))


def _cuped(
    y: np.ndarray, x: np.ndarray, treated: np.ndarray, confidence: float, measurable: bool
) -> CupedEstimate:
    """y - theta (x - mean x), theta from the pooled covariance of y with x."""
    x_centred = x - x.mean()
    var_x = float(x_centred @ x_centred)
    # A constant covariate (every member scored alike) explains nothing: no adjustment.
    constant = np.ptp(x) == 0.0
    theta = float((y - y.mean()) @ x_centred / var_x) if var_x > 0 and not constant else 0.0
    if constant:
        x_centred = np.zeros_like(x)
    adjusted = y - theta * x_centred
    if not measurable:
        adjusted_diff = float(adjusted[treated].mean() - adjusted[~treated].mean())
        return CupedEstimate(adjusted_diff, theta=theta)
    est = _welch(adjusted, treated, confidence)
    se_raw, se_cuped = _welch_se(y, treated), _welch_se(adjusted, treated)
    reduction = 1.0 - (se_cuped / se_raw) ** 2 if se_raw > 0 else 0.0
    return CupedEstimate(
        est.estimate,
        est.ci_low,
        est.ci_high,
        est.p_value,
        theta=theta,
        variance_reduction=float(reduction),
    )
