"""The campaign uplift read-out: hand-computed cases, interval coverage by simulation, CUPED,
and degenerate inputs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import optimize, stats
from statsmodels.stats import proportion

from daur.analytics.rules_config import CampaignRules, RulesConfig
from daur.analytics.uplift import score_statistic, uplift_report

pytestmark = pytest.mark.pure

LOOSE = CampaignRules(min_group_members=2, min_conversions=1, min_non_conversions=1)
CAMPAIGNS = 400


def covered_bounds(n: int, level: float = 0.95) -> tuple[int, int]:
    """The counts of covering intervals a correct 95 % method gives with probability 0.998."""
    return int(stats.binom.ppf(0.001, n, level)), int(stats.binom.ppf(0.999, n, level))


def test_hand_computed_small_campaign():
    group = ["treated"] * 4 + ["holdout"] * 4
    converted = [1, 1, 0, 0, 1, 0, 0, 0]
    spend = [10.0, 20.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0]
    redeemed = [1, 0, 0, 0, 0, 0, 0, 0]
    report = uplift_report(group, converted, spend, redeemed=redeemed, cost=5.0, rules=LOOSE)
    assert report.measurable and report.reason is None
    t, h = report.treated, report.holdout
    assert (t.members, t.converted, t.redemptions) == (4, 2, 1)
    assert (h.members, h.converted, h.redemptions) == (4, 1, 0)
    assert t.conversion_rate == 0.5 and h.conversion_rate == 0.25
    assert t.spend_per_member == 7.5 and h.spend_per_member == 2.5
    assert report.conversion.estimate == pytest.approx(0.25)
    # Welch by hand: sample variances 275/3 and 25, df by Welch-Satterthwaite.
    va, vb = 275 / 3 / 4, 25 / 4
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 3)
    spend = report.spend_per_member
    assert spend.estimate == pytest.approx(5.0)
    assert spend.ci_low == pytest.approx(5.0 - stats.t.ppf(0.975, df) * se)
    assert spend.ci_high == pytest.approx(5.0 + stats.t.ppf(0.975, df) * se)
    assert spend.p_value == pytest.approx(2 * stats.t.sf(5.0 / se, df))
    assert report.incremental_revenue == pytest.approx(20.0)
    assert report.net_revenue == pytest.approx(15.0)


def restricted_mle_statistic(x1, n1, x2, n2, delta):
    """The score statistic with the restricted maximum likelihood found numerically."""

    def minus_log_likelihood(q):
        q2 = q - delta
        return -(
            x1 * np.log(q) + (n1 - x1) * np.log1p(-q) + x2 * np.log(q2) + (n2 - x2) * np.log1p(-q2)
        )

    bounds = (max(0.0, delta) + 1e-12, min(1.0, 1.0 + delta) - 1e-12)
    fit = optimize.minimize_scalar(
        minus_log_likelihood, bounds=bounds, method="bounded", options={"xatol": 1e-13}
    )
    q1, q2 = fit.x, fit.x - delta
    n = n1 + n2
    variance = (q1 * (1 - q1) / n1 + q2 * (1 - q2) / n2) * n / (n - 1)
    return (x1 / n1 - x2 / n2 - delta) / math.sqrt(variance)


def test_score_statistic_uses_the_restricted_maximum_likelihood():
    rng = np.random.default_rng(7)
    for _ in range(50):
        n1, n2 = (int(v) for v in rng.integers(5, 500, 2))
        x1, x2 = int(rng.integers(0, n1 + 1)), int(rng.integers(0, n2 + 1))
        delta = rng.uniform(-0.95, 0.95)
        if not max(0.0, delta) < min(1.0, 1.0 + delta) or (x1 + x2) in (0, n1 + n2):
            continue
        expected = restricted_mle_statistic(x1, n1, x2, n2, delta)
        assert score_statistic(x1, n1, x2, n2, delta) == pytest.approx(expected, rel=1e-5)


def test_conversion_interval_is_the_inverted_score_test():
    """At each end of the interval the score statistic is the 97.5 % normal quantile; the
    p-value of no difference is statsmodels' score test, below 0.05 exactly when the interval
    leaves out 0; large differences (where statsmodels' own score interval fails) included."""
    rng = np.random.default_rng(3)
    for _ in range(30):
        n_t, n_h = (int(v) for v in rng.integers(50, 400, 2))
        c_t, c_h = int(rng.integers(1, n_t)), int(rng.integers(1, n_h))
        group = np.r_[np.ones(n_t, bool), np.zeros(n_h, bool)]
        conv = np.r_[np.arange(n_t) < c_t, np.arange(n_h) < c_h]
        report = uplift_report(group, conv, conv * 1.0, rules=LOOSE).conversion
        assert report.estimate == pytest.approx(c_t / n_t - c_h / n_h)
        assert report.ci_low < report.estimate < report.ci_high
        z = stats.norm.isf(0.025)
        assert restricted_mle_statistic(c_t, n_t, c_h, n_h, report.ci_low) == pytest.approx(z)
        assert restricted_mle_statistic(c_t, n_t, c_h, n_h, report.ci_high) == pytest.approx(-z)
        expected_p = proportion.test_proportions_2indep(c_t, n_t, c_h, n_h, method="score").pvalue
        assert report.p_value == pytest.approx(expected_p, rel=1e-9)
        assert (report.p_value < 0.05) == (not report.ci_low <= 0 <= report.ci_high)


def test_large_campaign_interval_matches_wald():
    """With many members the score interval is the textbook Wald interval."""
    rng = np.random.default_rng(5)
    group = rng.random(200_000) < 0.5
    conv = rng.random(200_000) < np.where(group, 0.12, 0.10)
    report = uplift_report(group, conv, conv * 1.0).conversion
    p_t, p_h = conv[group].mean(), conv[~group].mean()
    se = math.sqrt(p_t * (1 - p_t) / group.sum() + p_h * (1 - p_h) / (~group).sum())
    assert report.ci_low == pytest.approx(p_t - p_h - 1.959964 * se, abs=2e-4)
    assert report.ci_high == pytest.approx(p_t - p_h + 1.959964 * se, abs=2e-4)


def simulate(rng, n, holdout_share, effect_conv, effect_spend, covariate_weight=0.0):
    """One campaign with a known effect; returns arrays and the true uplifts."""
    x = rng.gamma(2.0, 0.5, n)  # expected purchases before the launch
    treated = rng.random(n) >= holdout_share
    p = np.clip(0.08 + covariate_weight * 0.05 * x + effect_conv * treated, 0, 1)
    conv = rng.random(n) < p
    amount = rng.gamma(2.0, 40.0, n) + effect_spend * treated + covariate_weight * 60.0 * x
    spend = conv * amount
    x_mean = 1.0
    base = 0.08 + covariate_weight * 0.05 * x_mean
    true_conv = effect_conv
    # E[spend] = E[p * amount] with p and amount both linear in x (Var x = 0.5 for gamma(2, .5)).
    amount_h = 80.0 + covariate_weight * 60.0 * x_mean
    cross = covariate_weight**2 * 0.05 * 60.0 * 0.5
    spend_h = base * amount_h + cross
    spend_t = (base + effect_conv) * (amount_h + effect_spend) + cross
    return treated, conv, spend, x, true_conv, spend_t - spend_h


def test_interval_coverage_by_simulation():
    """400 campaigns with a known effect: about 95 % of the intervals contain it."""
    rng = np.random.default_rng(2026)
    hits = {"conversion": 0, "spend": 0, "conversion_cuped": 0, "spend_cuped": 0}
    for _ in range(CAMPAIGNS):
        treated, conv, spend, x, true_conv, true_spend = simulate(rng, 3000, 0.2, 0.03, 15.0, 1.0)
        report = uplift_report(treated, conv, spend, covariate=x)
        assert report.measurable
        hits["conversion"] += report.conversion.contains(true_conv)
        hits["spend"] += report.spend_per_member.contains(true_spend)
        hits["conversion_cuped"] += report.conversion_cuped.contains(true_conv)
        hits["spend_cuped"] += report.spend_per_member_cuped.contains(true_spend)
    low, high = covered_bounds(CAMPAIGNS)
    for name, count in hits.items():
        assert low <= count <= high, (name, count, (low, high))


def test_cuped_is_unbiased_and_narrower_when_the_covariate_predicts_spend():
    rng = np.random.default_rng(11)
    raw, cuped, raw_width, cuped_width, reductions = [], [], [], [], []
    truth = None
    for _ in range(CAMPAIGNS):
        n = 2000
        x = rng.gamma(2.0, 1.0, n)
        treated = rng.random(n) >= 0.1
        spend = 30.0 * x + rng.normal(0, 20.0, n) + 4.0 * treated
        conv = spend > 60.0
        truth = 4.0
        report = uplift_report(treated, conv, spend, covariate=x)
        raw.append(report.spend_per_member.estimate)
        cuped.append(report.spend_per_member_cuped.estimate)
        raw_width.append(report.spend_per_member.ci_high - report.spend_per_member.ci_low)
        c = report.spend_per_member_cuped
        cuped_width.append(c.ci_high - c.ci_low)
        reductions.append(c.variance_reduction)
    cuped, raw = np.array(cuped), np.array(raw)
    # Unbiased: the mean of 400 estimates within 4 standard errors of the truth.
    assert abs(cuped.mean() - truth) < 4 * cuped.std(ddof=1) / math.sqrt(CAMPAIGNS)
    assert abs(raw.mean() - truth) < 4 * raw.std(ddof=1) / math.sqrt(CAMPAIGNS)
    # Var(30 x) = 1800 of Var(spend) ~ 2200: CUPED removes about 80 % of the variance.
    assert np.mean(reductions) == pytest.approx(1800 / 2200, abs=0.05)
    assert np.mean(cuped_width) < 0.6 * np.mean(raw_width)
    assert cuped.std() < 0.6 * raw.std()


def test_cuped_with_a_useless_covariate_changes_little():
    rng = np.random.default_rng(12)
    n = 5000
    treated = rng.random(n) >= 0.5
    conv = rng.random(n) < 0.2
    spend = conv * rng.gamma(2, 30, n)
    report = uplift_report(treated, conv, spend, covariate=rng.normal(size=n))
    assert abs(report.spend_per_member_cuped.variance_reduction) < 0.01
    assert report.spend_per_member_cuped.estimate == pytest.approx(
        report.spend_per_member.estimate, abs=0.1 * abs(report.spend_per_member.ci_high)
    )


def test_json_has_the_spec_shape():
    rng = np.random.default_rng(1)
    treated, conv, spend, x, *_ = simulate(rng, 2000, 0.1, 0.02, 5.0)
    data = json.loads(json.dumps(uplift_report(treated, conv, spend, cost=100).to_json()))
    for group in ("treated", "holdout"):
        assert set(data["groups"][group]) == {
            "members",
            "converted",
            "conversion_rate",
            "spend_per_member",
            "redemptions",
        }
    for metric in ("conversion", "spend_per_member"):
        assert set(data["uplift"][metric]) == {"estimate", "ci_low", "ci_high", "p_value"}
    assert data["uplift_cuped"] is None
    assert data["cost"] == 100 and data["measurable"] is True and data["reason"] is None
    assert data["incremental_revenue"] == pytest.approx(
        data["uplift"]["spend_per_member"]["estimate"] * data["groups"]["treated"]["members"]
    )


def test_campaigns_rules_are_read_from_the_config():
    config = RulesConfig.from_mapping({"campaigns.min_group_members": 5})
    assert config.campaigns.min_group_members == 5
    assert config.campaigns.attribution_window_days == 30


@pytest.mark.parametrize(
    ("converted", "reason"),
    [([1] * 300, "did not convert"), ([0] * 300, "converted, fewer")],
)
def test_all_or_none_converted_is_not_measurable(converted, reason):
    group = [True] * 150 + [False] * 150
    report = uplift_report(group, converted, [5.0 * c for c in converted], covariate=range(300))
    assert not report.measurable and reason in report.reason
    assert report.conversion.estimate == 0.0 and report.conversion.ci_low is None
    assert report.spend_per_member.p_value is None
    assert report.spend_per_member_cuped.ci_low is None
    json.dumps(report.to_json(), allow_nan=False)


def test_empty_holdout_is_not_measurable():
    report = uplift_report([True] * 500, [True, False] * 250, [1.0] * 500, covariate=[1.0] * 500)
    assert not report.measurable and "hold-out group has 0 members" in report.reason
    assert report.holdout.conversion_rate is None and report.holdout.spend_per_member is None
    assert report.conversion.estimate is None and report.incremental_revenue is None
    assert report.conversion_cuped is None
    json.dumps(report.to_json(), allow_nan=False)


def test_small_group_reason_names_the_threshold():
    rules = CampaignRules(min_group_members=50)
    group = [True] * 100 + [False] * 49
    report = uplift_report(group, [True, False] * 74 + [True], [1.0] * 149, rules=rules)
    assert report.reason == "the hold-out group has 49 members, fewer than the 50 needed"


def test_one_member_is_not_measurable_even_with_loose_rules():
    report = uplift_report(["treated", "holdout"], [True, False], [3.0, 0.0], rules=LOOSE)
    assert not report.measurable and "fewer than the 2 needed" in report.reason
    assert report.conversion.estimate == 1.0 and report.spend_per_member.estimate == 3.0


def test_constant_spend_has_no_interval():
    group = [True] * 4 + [False] * 4
    report = uplift_report(group, [1, 0] * 4, [0.0] * 8, rules=LOOSE)
    assert not report.measurable and "spend is the same" in report.reason


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("field", ["spend", "covariate"])
def test_non_finite_numbers_are_refused_naming_the_field(field, bad):
    values = {"spend": [1.0, 2.0, 3.0], "covariate": [1.0, 2.0, 3.0]}
    values[field][1] = bad
    with pytest.raises(ValueError, match=rf"^{field} must be finite: .*member 1"):
        uplift_report(
            [True, False, True], [1, 0, 1], values["spend"], covariate=values["covariate"]
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"group": ["treated", "control"]}, "group must be 'treated' or 'holdout', not 'control'"),
        ({"converted": [1, 2]}, "converted must be booleans"),
        ({"spend": [1.0]}, r"spend has shape \(1,\); expected \(2,\)"),
        ({"spend": ["a", "b"]}, "spend must be numbers"),
        ({"redeemed": [0.5, 0]}, "redeemed must be booleans"),
        ({"cost": math.nan}, "cost must be a finite number"),
        ({"rules": CampaignRules(confidence=95)}, "campaigns.confidence must be between 0 and 1"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, message):
    args = {"group": [True, False], "converted": [1, 0], "spend": [1.0, 0.0]} | kwargs
    with pytest.raises(ValueError, match=message):
        uplift_report(**args)
