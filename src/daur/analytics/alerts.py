"""Behaviour-change tests: did a segment's orders or spend in a recent window drop below baseline?

Each segment is compared with its own past: the baseline window (by default the 365 days before
the recent window) scaled to the recent window's length gives what the segment would have done
had nothing changed. Two one-sided tests, one per metric:

- orders: the window's count is Poisson with mean `expected = baseline_count * window_days /
  baseline_days`; the p-value is P(X <= observed) = poisson.cdf(observed, expected).
- spend: a day's spend is a draw from the baseline's days (zero days included), so the window's
  total over `window_days` days is approximately normal with mean `window_days * daily_mean` and
  variance `window_days * daily_variance` (central limit theorem over days); the p-value is
  norm.cdf(z). The empirical daily variance carries the over-dispersion of real spend (few large
  orders), which a Poisson model of money would understate.

Segments whose membership is itself recent behaviour (RFM segments) are fixed at each window's
start and compared with the same segment at earlier anchors instead (`anchored_drops`).

A drop is significant when p < p_value, the relative change is at most -min_drop, and the
baseline expected at least `min_expected` orders in the window (fewer is noise, whatever the test
says). Pure numpy/scipy: inputs and outputs are arrays, one entry per segment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

WINDOWS_DAYS = (30, 90)
BASELINE_DAYS = 365


@dataclass(frozen=True)
class DropTestConfig:
    """The thresholds of a significant drop (settings DAUR_ALERT_P_VALUE, DAUR_ALERT_MIN_DROP)."""

    p_value: float = 0.01
    min_drop: float = 0.20
    min_expected: float = 5.0

    def __post_init__(self) -> None:
        if not 0.0 < self.p_value < 1.0:
            raise ValueError(f"p_value must be in (0, 1), not {self.p_value}")
        if not 0.0 <= self.min_drop <= 1.0:
            raise ValueError(f"min_drop must be in [0, 1], not {self.min_drop}")
        if self.min_expected < 0:
            raise ValueError(f"min_expected must not be negative, not {self.min_expected}")


@dataclass(frozen=True)
class DropTests:
    """Per segment: what the baseline predicts for the window, what happened, and the verdict."""

    expected: np.ndarray
    observed: np.ndarray
    change: np.ndarray  # observed / expected - 1 (NaN when nothing was expected)
    p_value: np.ndarray
    significant: np.ndarray  # bool


def _drop_tests(
    observed: np.ndarray,
    expected: np.ndarray,
    p_value: np.ndarray,
    enough: np.ndarray,
    config: DropTestConfig,
) -> DropTests:
    """The tests with their change and verdict: significant where the p-value is low enough,
    the fall deep enough and there was `enough` activity to test."""
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(expected > 0, observed / expected - 1.0, np.nan)
        significant = (p_value < config.p_value) & (change <= -config.min_drop) & enough
    return DropTests(expected, observed, change, p_value, significant)


def _poisson_p(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """P(at most `observed` orders) when `expected` are expected; 1 where none are."""
    return np.where(expected > 0, stats.poisson.cdf(observed, expected), 1.0)


def _normal_z(observed: np.ndarray, expected: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """The shortfall in standard deviations; where sd is 0, any shortfall is certain."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (observed - expected) / sd
    return np.where(sd > 0, z, np.where(observed < expected, -np.inf, np.inf))


def order_drops(
    *,
    window_orders: np.ndarray,
    baseline_orders: np.ndarray,
    window_days: int,
    baseline_days: int = BASELINE_DAYS,
    config: DropTestConfig = DropTestConfig(),  # noqa: B008 - frozen, so a safe default
) -> DropTests:
    """One-sided Poisson test of each segment's order count in the window against its baseline."""
    observed = np.asarray(window_orders, dtype=np.float64)
    expected = np.asarray(baseline_orders, dtype=np.float64) * (window_days / baseline_days)
    p_value = _poisson_p(observed, expected)
    return _drop_tests(observed, expected, p_value, expected >= config.min_expected, config)


def spend_drops(
    *,
    window_spend: np.ndarray,
    baseline_daily_sum: np.ndarray,
    baseline_daily_sum_squares: np.ndarray,
    baseline_orders: np.ndarray,
    window_days: int,
    baseline_days: int = BASELINE_DAYS,
    config: DropTestConfig = DropTestConfig(),  # noqa: B008 - frozen, so a safe default
) -> DropTests:
    """One-sided normal test of each segment's spend in the window against its baseline days.

    `baseline_daily_sum` and `baseline_daily_sum_squares` are the sums over the baseline's days of
    the day's spend and of its square (days without orders add nothing to either).
    `baseline_orders` decides, like for orders, whether there was enough activity to test.
    """
    observed = np.asarray(window_spend, dtype=np.float64)
    daily_mean = np.asarray(baseline_daily_sum, dtype=np.float64) / baseline_days
    daily_second = np.asarray(baseline_daily_sum_squares, dtype=np.float64) / baseline_days
    # Sample variance over the baseline's days; rounding can make it a hair negative.
    daily_var = np.maximum(daily_second - daily_mean**2, 0.0) * (
        baseline_days / max(baseline_days - 1, 1)
    )
    expected = window_days * daily_mean
    sd = np.sqrt(window_days * daily_var)
    # A baseline with one constant daily spend has sd 0: any shortfall is then certain.
    p_value = np.where(expected > 0, stats.norm.cdf(_normal_z(observed, expected, sd)), 1.0)
    expected_orders = np.asarray(baseline_orders, dtype=np.float64) * (window_days / baseline_days)
    enough = expected_orders >= config.min_expected
    return _drop_tests(observed, expected, p_value, enough, config)


def biggest_drops(
    *,
    window: np.ndarray,
    baseline: np.ndarray,
    window_days: int,
    baseline_days: int,
    limit: int,
    tie_rank: np.ndarray | None = None,
) -> np.ndarray:
    """Positions of the members whose window fell furthest below their own scaled baseline.

    Only members that did drop are returned, the largest shortfall first; equal shortfalls by
    lower `tie_rank` (distinct per member), by default lower position.
    """
    shortfall = np.asarray(baseline, np.float64) * (window_days / baseline_days) - np.asarray(
        window, np.float64
    )
    dropped = np.flatnonzero(shortfall > 0)
    if len(dropped) > limit > 0:  # those below the limit-th largest shortfall can't make it
        cut = np.partition(shortfall[dropped], len(dropped) - limit)[len(dropped) - limit]
        dropped = dropped[shortfall[dropped] >= cut]
    rank = dropped if tie_rank is None else np.asarray(tie_rank)[dropped]
    order = np.lexsort((rank, -shortfall[dropped]))
    return dropped[order][:limit]


ANCHOR_STEP_DAYS = 30


def anchor_offsets(window_days: int, baseline_days: int = BASELINE_DAYS) -> np.ndarray:
    """Days before the window's first day of the earlier windows a segment is compared with.

    Every ANCHOR_STEP_DAYS back, the earlier windows of the same length that end before the
    window starts and begin within `baseline_days` of it: 30, 60, …, 360 for a 30-day window;
    90, 120, …, 360 for a 90-day one.
    """
    first = -(-window_days // ANCHOR_STEP_DAYS) * ANCHOR_STEP_DAYS
    return np.arange(first, baseline_days + 1, ANCHOR_STEP_DAYS)


@dataclass(frozen=True)
class MemberWindows:
    """Per segment, sums over member-windows: a member's window and its own year before it.

    `own_*` is what the member bought in the `baseline_days` before the window, scaled to the
    window's length; `spend_squares`, `spend_cross` and `own_spend_squares` are the sums of
    spend², spend x own spend and own spend² over member-windows (for the spend variance).
    """

    members: np.ndarray
    orders: np.ndarray
    spend: np.ndarray
    own_orders: np.ndarray
    own_spend: np.ndarray
    spend_squares: np.ndarray
    spend_cross: np.ndarray
    own_spend_squares: np.ndarray


def anchored_drops(
    *,
    now: MemberWindows,
    anchors: MemberWindows,
    config: DropTestConfig = DropTestConfig(),  # noqa: B008 - frozen, so a safe default
) -> tuple[DropTests, DropTests]:
    """Orders and spend of segments whose membership is fixed at each window's start.

    A segment defined by the customers' state (an RFM segment: its members as of the day before
    the window) holds customers picked for what they did lately, so its members' own past is
    not what they would do next, even with no change: those that stopped buying keep not buying.
    The same definition at earlier anchors (`anchors`: member-windows summed over them) says
    how far a member's window usually falls from its own year before: the ratio
    rho = anchors' window / anchors' own year. Under no change today's members buy
    rho x their own year before: orders Poisson with that mean; spend about normal with that
    mean and variance members x the anchors' residual variance of a member-window
    (sum (spend - rho x own)² / (member-windows - 1), two member-windows at least).
    Scaling each member's own level keeps big and small buyers apart, so a segment whose mix
    shifted (a handful of wholesale buyers a year ago, hundreds of shoppers today) is not a drop.
    """
    members = np.asarray(now.members, dtype=np.float64)
    draws = np.asarray(anchors.members, dtype=np.float64)

    def ratio(window: np.ndarray, own: np.ndarray) -> np.ndarray:
        window, own = np.asarray(window, np.float64), np.asarray(own, np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(own > 0, window / own, 0.0)

    rho_orders = ratio(anchors.orders, anchors.own_orders)
    rho_spend = ratio(anchors.spend, anchors.own_spend)
    observed_orders = np.asarray(now.orders, dtype=np.float64)
    expected_orders = rho_orders * np.asarray(now.own_orders, dtype=np.float64)
    p_orders = _poisson_p(observed_orders, expected_orders)
    observed_spend = np.asarray(now.spend, dtype=np.float64)
    expected_spend = rho_spend * np.asarray(now.own_spend, dtype=np.float64)
    residual_squares = (
        np.asarray(anchors.spend_squares, np.float64)
        - 2 * rho_spend * np.asarray(anchors.spend_cross, np.float64)
        + rho_spend**2 * np.asarray(anchors.own_spend_squares, np.float64)
    )
    variance = np.maximum(residual_squares, 0.0) / np.maximum(draws - 1, 1)
    sd = np.sqrt(members * variance)
    z = _normal_z(observed_spend, expected_spend, sd)
    p_spend = np.where((expected_spend > 0) & (draws >= 2), stats.norm.cdf(z), 1.0)
    enough = expected_orders >= config.min_expected
    return (
        _drop_tests(observed_orders, expected_orders, p_orders, enough, config),
        _drop_tests(observed_spend, expected_spend, p_spend, enough, config),
    )
