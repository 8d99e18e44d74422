"""`uplift_from_sums` gives `uplift_report`'s read-out from the groups' sums alone."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from daur.analytics.rules_config import CampaignRules
from daur.analytics.uplift import uplift_report
from daur.analytics.uplift_sums import GroupSums, uplift_from_sums, welch_from_sums


def sums(mask, converted, spend, x, redeemed):
    return GroupSums(
        members=int(mask.sum()),
        converted=int(converted[mask].sum()),
        redemptions=int(redeemed[mask].sum()),
        spend=float(spend[mask].sum()),
        spend_sq=float((spend[mask] ** 2).sum()),
        cov=float(x[mask].sum()),
        cov_sq=float((x[mask] ** 2).sum()),
        cov_spend=float((x[mask] * spend[mask]).sum()),
        cov_converted=float((x[mask] * converted[mask]).sum()),
    )


def campaign(n, seed, constant_x=False):
    rng = np.random.default_rng(seed)
    x = np.full(n, 1.2) if constant_x else rng.gamma(2.0, 0.5, n)
    treated = rng.random(n) >= 0.2
    converted = rng.random(n) < 0.05 + 0.03 * x + 0.03 * treated
    spend = converted * (rng.gamma(2.0, 40.0, n) + 25.0 * x)
    redeemed = converted & treated & (rng.random(n) < 0.5)
    return treated, converted, spend, x, redeemed


def close(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            close(a[key], b[key])
    elif isinstance(a, float) and b is not None:
        assert a == pytest.approx(b, rel=1e-7, abs=1e-12)
    else:
        assert a == b


@pytest.mark.parametrize(("n", "seed", "constant_x"), [(5000, 1, False), (800, 2, False),
                                                        (3000, 3, True), (150, 4, False)])
def test_the_sums_give_the_arrays_read_out(n, seed, constant_x):
    treated, converted, spend, x, redeemed = campaign(n, seed, constant_x)
    rules = CampaignRules(min_group_members=20)
    expected = uplift_report(treated, converted, spend, covariate=x, redeemed=redeemed,
                             cost=1000.0, rules=rules).to_json()
    got = uplift_from_sums(
        sums(treated, converted, spend, x, redeemed), sums(~treated, converted, spend, x, redeemed),
        cost=1000.0, rules=rules,
    ).to_json()
    close(got, expected)


def test_a_small_campaign_has_the_same_reason_and_no_interval():
    treated, converted, spend, x, redeemed = campaign(60, 5)
    expected = uplift_report(treated, converted, spend, covariate=x, redeemed=redeemed).to_json()
    got = uplift_from_sums(sums(treated, converted, spend, x, redeemed),
                           sums(~treated, converted, spend, x, redeemed)).to_json()
    close(got, expected)
    assert got["measurable"] is False and got["uplift"]["spend_per_member"]["ci_low"] is None


def test_welch_from_sums_is_scipys():
    rng = np.random.default_rng(9)
    a, b = rng.normal(3, 2, 40), rng.normal(2, 5, 70)
    result = stats.ttest_ind(a, b, equal_var=False)
    interval = result.confidence_interval(0.9)
    got = welch_from_sums((40, a.sum(), (a**2).sum()), (70, b.sum(), (b**2).sum()), 0.9)
    assert got.p_value == pytest.approx(result.pvalue)
    assert (got.ci_low, got.ci_high) == (pytest.approx(interval.low), pytest.approx(interval.high))
    assert welch_from_sums((0, 0.0, 0.0), (3, 1.0, 1.0)).estimate is None
    assert welch_from_sums((1, 2.0, 4.0), (3, 3.0, 3.0)).ci_low is None
