"""A campaign's uplift from each group's sums, not its members: the same read-out as
`uplift.uplift_report` (the same methods, the same figures up to rounding), computed from a
handful of sums a database adds up in one pass over the members — a million-member campaign
never travels as arrays.

Per group: members n, conversions c, redemptions, and the sums of the spend y, y², the covariate
x, x², x·y and x·conversion. Welch's test needs each group's mean and variance, which the sums
give (variance = (Σy² − (Σy)²/n) / (n − 1)); CUPED's theta is the pooled cov(y, x) / var(x), and
the adjusted outcome's group variances follow from the centred sums: S_yy − 2θ S_xy + θ² S_xx.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from daur.analytics.rules_config import CampaignRules
from daur.analytics.uplift import (
    CupedEstimate,
    Estimate,
    GroupFigures,
    UpliftReport,
    _proportion_difference,
    is_measurable,
)

# Below this share of its scale a sum of squares is rounding: the values are constant.
CONSTANT = 1e-12


@dataclass(frozen=True)
class GroupSums:
    members: int
    converted: int
    redemptions: int | None
    spend: float  # Σy
    spend_sq: float  # Σy²
    cov: float = 0.0  # Σx (the covariate)
    cov_sq: float = 0.0  # Σx²
    cov_spend: float = 0.0  # Σxy
    cov_converted: float = 0.0  # Σx over the members who converted

    def figures(self) -> GroupFigures:
        if self.members == 0:
            return GroupFigures(0, 0, None, None, self.redemptions)
        n = self.members
        return GroupFigures(n, self.converted, self.converted / n, self.spend / n, self.redemptions)


def _centred(total_sq: float, total: float, n: int) -> float:
    """Σ(v − mean)² from Σv² and Σv; 0 where that is rounding."""
    value = total_sq - total * total / n if n else 0.0
    return 0.0 if value <= CONSTANT * max(abs(total_sq), 1.0) else value


def welch_from_moments(
    n1: int, mean1: float, ss1: float, n2: int, mean2: float, ss2: float, confidence: float
) -> Estimate:
    """Welch's t-test and interval of mean1 − mean2, each group given by its size, mean and
    centred sum of squares (as scipy's ttest_ind(equal_var=False) on the members)."""
    diff = mean1 - mean2
    if n1 < 2 or n2 < 2:
        return Estimate(diff)
    v1, v2 = ss1 / (n1 - 1) / n1, ss2 / (n2 - 1) / n2
    se2 = v1 + v2
    if se2 <= 0.0:
        return Estimate(diff)
    df = se2 * se2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
    se = math.sqrt(se2)
    t_crit = float(stats.t.isf((1 - confidence) / 2, df))
    p = float(2 * stats.t.sf(abs(diff / se), df))
    return Estimate(diff, diff - t_crit * se, diff + t_crit * se, p)


def welch_from_sums(
    a: tuple[int, float, float], b: tuple[int, float, float], confidence: float = 0.95
) -> Estimate:
    """Treated minus hold-out of a per-member figure given per group as (n, Σv, Σv²)."""
    (n1, s1, q1), (n2, s2, q2) = a, b
    if n1 == 0 or n2 == 0:
        return Estimate(None)
    return welch_from_moments(
        n1, s1 / n1, _centred(q1, s1, n1), n2, s2 / n2, _centred(q2, s2, n2), confidence
    )


def uplift_from_sums(
    treated: GroupSums,
    holdout: GroupSums,
    *,
    with_covariate: bool = True,
    cost: float = 0.0,
    rules: CampaignRules | None = None,
) -> UpliftReport:
    """`uplift.uplift_report` from the groups' sums."""
    rules = rules or CampaignRules()
    if not 0.0 < rules.confidence < 1.0:
        raise ValueError(f"campaigns.confidence must be between 0 and 1, not {rules.confidence}")
    cost = float(cost)
    if not math.isfinite(cost):
        raise ValueError(f"cost must be a finite number, not {cost!r}")
    figures = [treated.figures(), holdout.figures()]
    reason = is_measurable(figures[0], figures[1], rules)
    spend_ss = [_centred(g.spend_sq, g.spend, g.members) for g in (treated, holdout)]
    if (
        reason is None
        and max(s / (g.members or 1) for s, g in zip(spend_ss, (treated, holdout))) == 0
    ):
        reason = "the spend is the same for every member of each group: no interval"
    measurable = reason is None
    both = treated.members > 0 and holdout.members > 0
    conv_raw = _point(figures, "conversion_rate")
    spend_raw = _point(figures, "spend_per_member")
    if measurable:
        conv_raw = _proportion_difference(figures[0], figures[1], rules.confidence)
        spend_raw = welch_from_moments(
            treated.members, figures[0].spend_per_member, spend_ss[0],
            holdout.members, figures[1].spend_per_member, spend_ss[1], rules.confidence,
        )  # fmt: skip
    conv_cuped = spend_cuped = None
    if with_covariate and both:
        conversion = [
            (g.converted, float(g.converted), g.cov_converted) for g in (treated, holdout)
        ]
        spending = [(g.spend, g.spend_sq, g.cov_spend) for g in (treated, holdout)]
        conv_cuped = _cuped(conversion, treated, holdout, rules.confidence, measurable)
        spend_cuped = _cuped(spending, treated, holdout, rules.confidence, measurable)
    incremental = None
    if spend_raw.estimate is not None:
        incremental = spend_raw.estimate * treated.members
    return UpliftReport(
        treated=figures[0],
        holdout=figures[1],
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


def _point(figures: list[GroupFigures], field: str) -> Estimate:
    a, b = getattr(figures[0], field), getattr(figures[1], field)
    return Estimate(None if a is None or b is None else a - b)


def _cuped(
    outcome: list[tuple[float, float, float]],
    treated: GroupSums,
    holdout: GroupSums,
    confidence: float,
    measurable: bool,
) -> CupedEstimate:
    """The CUPED estimate from each group's (Σy, Σy², Σxy) and covariate sums."""
    groups = (treated, holdout)
    n = treated.members + holdout.members
    sx = treated.cov + holdout.cov
    sxx = treated.cov_sq + holdout.cov_sq
    sy = outcome[0][0] + outcome[1][0]
    sxy = outcome[0][2] + outcome[1][2]
    var_x = _centred(sxx, sx, n)
    theta = (sxy - sx * sy / n) / var_x if var_x > 0 else 0.0
    mean_x = sx / n
    means, sums_sq, raw_sq = [], [], []
    for (y, yy, xy), g in zip(outcome, groups):
        m = g.members
        means.append(y / m - theta * (g.cov / m - mean_x))
        s_yy = _centred(yy, y, m)
        s_xy = xy - g.cov * y / m
        s_xx = _centred(g.cov_sq, g.cov, m)
        sums_sq.append(max(s_yy - 2 * theta * s_xy + theta * theta * s_xx, 0.0))
        raw_sq.append(s_yy)
    diff = means[0] - means[1]
    if not measurable:
        return CupedEstimate(diff, theta=theta)
    est = welch_from_moments(
        treated.members, means[0], sums_sq[0], holdout.members, means[1], sums_sq[1], confidence
    )
    se_raw = _se(raw_sq, groups)
    se_cuped = _se(sums_sq, groups)
    reduction = 1.0 - (se_cuped / se_raw) ** 2 if se_raw > 0 else 0.0
    return CupedEstimate(
        est.estimate,
        est.ci_low,
        est.ci_high,
        est.p_value,
        theta=theta,
        variance_reduction=reduction,
    )


def _se(sums_sq: list[float], groups: tuple[GroupSums, GroupSums]) -> float:
    return math.sqrt(sum(s / (g.members - 1) / g.members for s, g in zip(sums_sq, groups)))
