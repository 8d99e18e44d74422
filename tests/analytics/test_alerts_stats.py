"""The behaviour-change tests on known Poisson and normal cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from daur.analytics.alerts import (
    DropTestConfig,
    MemberWindows,
    anchor_offsets,
    anchored_drops,
    biggest_drops,
    order_drops,
    spend_drops,
)


def poisson_cdf(k: int, mu: float) -> float:
    return sum(math.exp(-mu) * mu**i / math.factorial(i) for i in range(k + 1))


def test_orders_a_segment_that_stopped_buying_is_a_significant_drop():
    # Given 10 orders a week for a year (520) and 1 order in the last 30 days
    tests = order_drops(
        window_orders=np.array([1]),
        baseline_orders=np.array([520]),
        window_days=30,
        baseline_days=364,
    )
    # Then 520 * 30 / 364 were expected and the p-value is P(X <= 1) for that mean
    mu = 520 * 30 / 364
    assert tests.expected[0] == pytest.approx(mu)
    assert tests.p_value[0] == pytest.approx(poisson_cdf(1, mu), rel=1e-9)
    assert tests.change[0] == pytest.approx(1 / mu - 1)
    assert tests.significant[0]


def test_orders_known_poisson_tail_and_threshold():
    # Given 10 expected and 4 observed: P(X <= 4 | 10) = 0.02925...
    tests = order_drops(
        window_orders=np.array([4, 4]),
        baseline_orders=np.array([10, 10]),
        window_days=365,
        baseline_days=365,
        config=DropTestConfig(p_value=0.05),
    )
    assert tests.p_value[0] == pytest.approx(0.029252688, rel=1e-6)
    assert tests.significant.all()
    strict = order_drops(
        window_orders=np.array([4]),
        baseline_orders=np.array([10]),
        window_days=365,
        baseline_days=365,
    )
    assert not strict.significant[0]  # not below the default 0.01


def test_orders_steady_small_or_rising_segments_raise_nothing():
    tests = order_drops(
        window_orders=np.array([30, 0, 50, 0]),
        baseline_orders=np.array([365, 36, 365, 0]),
        window_days=30,
        baseline_days=365,
    )
    # steady (30 vs 30), too small to test (2.96 expected), rising, never bought
    assert not tests.significant.any()
    assert tests.p_value[3] == 1.0 and np.isnan(tests.change[3])


def test_orders_minimum_drop_guards_large_segments():
    # Given a huge segment whose 5 % dip is statistically significant
    tests = order_drops(
        window_orders=np.array([9500]),
        baseline_orders=np.array([10000]),
        window_days=365,
        baseline_days=365,
    )
    assert tests.p_value[0] < 0.01
    # Then it is not an alert: the drop is smaller than the 20 % minimum
    assert not tests.significant[0]


def test_spend_normal_test_on_daily_spend():
    # Given a baseline of 4 days: 100, 0, 100, 0 (mean 50, sample variance 3333.3)
    daily = np.array([100.0, 0.0, 100.0, 0.0])
    tests = spend_drops(
        window_spend=np.array([0.0]),
        baseline_daily_sum=np.array([daily.sum()]),
        baseline_daily_sum_squares=np.array([(daily**2).sum()]),
        baseline_orders=np.array([400]),
        window_days=2,
        baseline_days=4,
    )
    sd = math.sqrt(2 * daily.var(ddof=1))
    z = (0.0 - 100.0) / sd
    assert tests.expected[0] == pytest.approx(100.0)
    assert tests.p_value[0] == pytest.approx(0.5 * math.erfc(-z / math.sqrt(2)))
    assert tests.change[0] == pytest.approx(-1.0)


def test_spend_drop_of_a_steady_spender_and_no_drop():
    days = 365
    daily = np.full(days, 1000.0)
    daily[::7] = 0.0
    s, ss = daily.sum(), (daily**2).sum()
    tests = spend_drops(
        window_spend=np.array([30 * daily.mean() * 0.3, 30 * daily.mean()]),
        baseline_daily_sum=np.array([s, s]),
        baseline_daily_sum_squares=np.array([ss, ss]),
        baseline_orders=np.array([313, 313]),
        window_days=30,
        baseline_days=days,
    )
    assert tests.significant.tolist() == [True, False]
    assert tests.change[0] == pytest.approx(-0.7)


def test_config_is_validated():
    with pytest.raises(ValueError, match="p_value"):
        DropTestConfig(p_value=0)
    with pytest.raises(ValueError, match="min_drop"):
        DropTestConfig(min_drop=1.5)


def test_biggest_drops_lists_who_fell_most():
    picked = biggest_drops(
        window=np.array([0, 5, 1, 9]),
        baseline=np.array([12, 12, 12, 12]),
        window_days=30,
        baseline_days=360,
        limit=2,
    )
    # expected 1 each: shortfalls 1, -4, 0, -8 -> only the first dropped
    assert picked.tolist() == [0]
    picked = biggest_drops(
        window=np.array([0, 1, 3]),
        baseline=np.array([24, 48, 120]),
        window_days=30,
        baseline_days=120,
        limit=5,
    )
    # expected 6, 12, 30: shortfalls 6, 11, 27
    assert picked.tolist() == [2, 1, 0]


def test_anchors_are_the_earlier_windows_within_the_year_before():
    assert anchor_offsets(30).tolist() == [30 * k for k in range(1, 13)]
    assert anchor_offsets(90).tolist() == [30 * k for k in range(3, 13)]


def windows(**sums) -> MemberWindows:
    return MemberWindows(**{k: np.asarray(v, dtype=np.float64) for k, v in sums.items()})


def test_anchored_drops_scale_each_member_s_own_year_by_the_anchors_ratio():
    # Segment 0. At the anchors, 4 member-windows: own years (scaled to the window) 10, 10, 2, 2
    # in orders and 1000, 1000, 200, 200 in spend; windows 5, 5, 1, 1 orders and 500, 500, 100,
    # 100 spent, so a window is half its own year (rho = 12 / 24 = 1200 / 2400 = 0.5) with no
    # residual but for the last member (100 instead of 100: none). Today 2 members with own
    # years of 20 orders / 2000 spend in all: 10 orders and 1000 expected; they bought 2 and 200.
    # Segment 1: no own year at the anchors: nothing to test.
    anchors = windows(
        members=[4, 3],
        orders=[12, 5],
        spend=[1200, 500],
        own_orders=[24, 0],
        own_spend=[2400, 0],
        spend_squares=[2 * 500**2 + 2 * 100**2, 0],
        spend_cross=[2 * 500 * 1000 + 2 * 100 * 200, 0],
        own_spend_squares=[2 * 1000**2 + 2 * 200**2, 0],
    )
    now = windows(
        members=[2, 3],
        orders=[2, 0],
        spend=[200, 0],
        own_orders=[20, 9],
        own_spend=[2000, 900],
        spend_squares=[0, 0],
        spend_cross=[0, 0],
        own_spend_squares=[0, 0],
    )
    orders, spend = anchored_drops(now=now, anchors=anchors)
    assert orders.expected.tolist() == [10.0, 0.0]
    assert orders.p_value[0] == pytest.approx(poisson_cdf(2, 10.0), rel=1e-9)
    assert orders.significant.tolist() == [True, False]
    # No residual at the anchors: any shortfall in spend is certain
    assert spend.expected[0] == pytest.approx(1000.0) and spend.p_value[0] == 0.0
    assert spend.change[0] == pytest.approx(-0.8) and spend.significant.tolist() == [True, False]


def test_anchored_spend_variance_is_the_residual_of_the_member_windows():
    # Anchors: 3 member-windows, own years 100 each, windows 50, 100, 150: rho 1, residuals
    # -50, 0, 50: variance 5000 / 2 = 2500 per member-window.
    anchors = windows(
        members=[3],
        orders=[30],
        spend=[300],
        own_orders=[30],
        own_spend=[300],
        spend_squares=[50**2 + 100**2 + 150**2],
        spend_cross=[100 * 300],
        own_spend_squares=[3 * 100**2],
    )
    now = windows(
        members=[4],
        orders=[40],
        spend=[250],
        own_orders=[40],
        own_spend=[400],
        spend_squares=[0],
        spend_cross=[0],
        own_spend_squares=[0],
    )
    _, spend = anchored_drops(now=now, anchors=anchors)
    z = (250 - 400) / math.sqrt(4 * 2500)
    assert spend.expected[0] == pytest.approx(400.0)
    assert spend.p_value[0] == pytest.approx(0.5 * math.erfc(-z / math.sqrt(2)))


def test_biggest_drops_breaks_ties_by_rank_and_keeps_all_ties_at_the_limit():
    rng = np.random.default_rng(7)
    window = rng.integers(0, 3, 2000).astype(float)  # few distinct shortfalls: many ties
    baseline = rng.integers(0, 30, 2000).astype(float)
    rank = rng.permutation(2000)
    shortfall = baseline * 30 / 365 - window
    for limit in (1, 50, 200, 5000):
        for tie_rank in (None, rank):
            by = np.arange(2000) if tie_rank is None else tie_rank
            # Straightforward: sort by rank, then stably by shortfall, descending
            ranked = np.argsort(by, kind="stable")
            order = ranked[np.argsort(-shortfall[ranked], kind="stable")]
            expected = [i for i in order if shortfall[i] > 0][:limit]
            picked = biggest_drops(
                window=window,
                baseline=baseline,
                window_days=30,
                baseline_days=365,
                limit=limit,
                tie_rank=tie_rank,
            )
            assert picked.tolist() == expected
