"""Order-side features, vectorised: gaps between order days, line mixes and unplanned orders."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from daur.analytics.events import NO_DAY, NO_INDEX, TIER_CODES

_KEY_LIMIT = 2**62


def sort_by_customer_day(
    customer: np.ndarray, day: np.ndarray, *, stable: bool = False
) -> np.ndarray:
    """The permutation that sorts rows by (customer, day); `stable` keeps the row order of ties."""
    if customer.size == 0:
        return np.zeros(0, np.int64)
    low, high = int(day.min()), int(day.max())
    span = high - low + 1
    if (int(customer.max()) + 1) * span < _KEY_LIMIT:
        return np.argsort(customer * span + (day - low), kind="stable" if stable else None)
    return np.lexsort((day, customer))


@dataclass(frozen=True)
class GapStats:
    """Gaps between consecutive distinct order days of each customer (float, NaN when none)."""

    gap_count: np.ndarray
    gap_median_days: np.ndarray
    gap_mean_days: np.ndarray
    gap_cv: np.ndarray  # population std / mean; NaN with fewer than 2 gaps
    gap_max_days: np.ndarray


def gap_stats(sorted_customer: np.ndarray, sorted_day: np.ndarray, n: int) -> GapStats:
    """Gap statistics from orders already sorted by (customer, day)."""
    distinct = np.ones(sorted_customer.size, bool)
    distinct[1:] = (sorted_customer[1:] != sorted_customer[:-1]) | (
        sorted_day[1:] != sorted_day[:-1]
    )
    customer, day = sorted_customer[distinct], sorted_day[distinct]
    same = customer[1:] == customer[:-1]
    gaps = (day[1:] - day[:-1])[same]
    gap_customer = customer[1:][same]  # still sorted by customer

    count = np.bincount(gap_customer, minlength=n)
    has = count > 0
    mean = nan_divide(np.bincount(gap_customer, weights=gaps, minlength=n), count)
    deviation = gaps - mean[gap_customer]
    variance = nan_divide(np.bincount(gap_customer, weights=deviation**2, minlength=n), count)
    cv = np.where(count >= 2, np.sqrt(variance) / mean, np.nan)

    start = np.cumsum(count) - count
    maximum = np.full(n, np.nan)
    median = np.full(n, np.nan)
    if gaps.size:
        maximum[has] = np.maximum.reduceat(gaps, start[has])
        ordered = _sort_within_groups(gap_customer, gaps)
        low = start[has] + (count[has] - 1) // 2
        high = start[has] + count[has] // 2
        median[has] = (ordered[low] + ordered[high]) / 2.0
    return GapStats(count, median, mean, cv, maximum)


def _sort_within_groups(group: np.ndarray, value: np.ndarray) -> np.ndarray:
    """`value` sorted within runs of equal, already-sorted, non-negative int `group`."""
    width = int(value.max()) + 1
    if (int(group.max()) + 1) * width < _KEY_LIMIT:
        return np.sort(group * width + value) % width
    return value[np.lexsort((value, group))]


@dataclass(frozen=True)
class LineStats:
    """Per-customer line mix and, per order, whether it holds a category new to the customer."""

    line_spend_total: np.ndarray
    budget_spend: np.ndarray
    standard_spend: np.ndarray
    premium_spend: np.ndarray
    new_product_spend: np.ndarray
    categories_count: np.ndarray
    order_has_new_category: np.ndarray  # aligned with the orders passed in


def line_stats(
    *,
    line_order: np.ndarray,
    category_id: np.ndarray,
    tier: np.ndarray,
    spend: np.ndarray,
    launched_day: np.ndarray,
    order_customer: np.ndarray,
    order_day: np.ndarray,
    n: int,
    new_product_days: int,
) -> LineStats:
    """Lines must point at orders already kept (on or before the as-of day)."""
    customer = order_customer[line_order]
    day = order_day[line_order]
    if np.isnan(spend).any():
        spend = np.nan_to_num(spend)
    # one pass for all tiers: column tier + 1 (0 unknown, then PRODUCT_TIERS order)
    tier_column = customer * 4 + (tier.astype(np.int64) + 1)
    tier_spend = np.bincount(tier_column, weights=spend, minlength=4 * n).reshape(n, 4)
    # an unknown launch day (NO_DAY) makes a meaningless age, masked out by `launched_known`
    age_days = day - launched_day
    is_new_product = (launched_day != NO_DAY) & (age_days >= 0) & (age_days <= new_product_days)

    order_has_new_category = np.zeros(order_customer.size, bool)
    categories_count = np.zeros(n, np.int64)
    has_category = category_id != NO_INDEX
    rows = None if has_category.all() else np.flatnonzero(has_category)
    if category_id.size and (rows is None or rows.size):
        category = category_id if rows is None else category_id[rows]
        pair_customer = customer if rows is None else customer[rows]
        pair_day = day if rows is None else day[rows]
        pair = pair_customer * (int(category.max()) + 1) + category
        if int(pair.max()) >= _KEY_LIMIT // 2:  # huge ids: compact them first
            pair = np.unique(pair, return_inverse=True)[1].astype(np.int64)
        order = sort_by_customer_day(pair, pair_day)  # pairs play the customers here
        sorted_pair, sorted_day = pair[order], pair_day[order]
        starts = np.ones(order.size, bool)
        starts[1:] = sorted_pair[1:] != sorted_pair[:-1]
        group = np.cumsum(starts) - 1
        first_time = sorted_day == sorted_day[starts][group]  # bought on the pair's first day
        first_line = order[first_time] if rows is None else rows[order[first_time]]
        order_has_new_category[line_order[first_line]] = True
        categories_count = np.bincount(pair_customer[order[starts]], minlength=n)

    return LineStats(
        line_spend_total=tier_spend.sum(axis=1),
        budget_spend=tier_spend[:, 1 + TIER_CODES["budget"]].copy(),
        standard_spend=tier_spend[:, 1 + TIER_CODES["standard"]].copy(),
        premium_spend=tier_spend[:, 1 + TIER_CODES["premium"]].copy(),
        new_product_spend=sum_by(customer[is_new_product], spend[is_new_product], n),
        categories_count=categories_count,
        order_has_new_category=order_has_new_category,
    )


def had_interaction_before(
    *,
    order_customer: np.ndarray,
    order_day: np.ndarray,
    interaction_customer: np.ndarray,
    interaction_day: np.ndarray,
    lookback_days: int,
) -> np.ndarray:
    """Per order: any of the given interactions in the `lookback_days` days before the order day.

    The order day itself is not part of the window: a same-day visit may be the purchase itself.
    """
    if interaction_customer.size == 0 or order_customer.size == 0:
        return np.zeros(order_customer.size, bool)
    low = min(int(order_day.min()) - lookback_days, int(interaction_day.min()))
    width = max(int(order_day.max()), int(interaction_day.max())) - low + 2
    keys = np.sort(interaction_customer * width + (interaction_day - low))
    base = order_customer * width - low
    first = np.searchsorted(keys, base + order_day - lookback_days, side="left")
    last = np.searchsorted(keys, base + order_day - 1, side="right")
    return last > first


def nan_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0."""
    positive = denominator > 0
    return np.where(positive, numerator / np.where(positive, denominator, 1), np.nan)


def sum_by(customer: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """float64 sums of `weights` per customer 0..n-1."""
    return np.bincount(customer, weights=weights, minlength=n).astype(np.float64, copy=False)
