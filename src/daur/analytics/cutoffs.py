"""The comparisons every rule shares: thresholds with float tolerance, P(alive) and top shares.

Thresholds are compared with a 1e-9 tolerance so that 3 of 5 orders is exactly "60 %".
An unknown P(alive) (NaN, no model score) is no evidence of risk: "P(alive) < x" is False and
"P(alive) >= x" is True for it, so only the recency rules can then mark a customer lapsed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

TOLERANCE = 1e-9


def at_least(values: np.ndarray, threshold: float) -> np.ndarray:
    """values >= threshold (NaN is False)."""
    return values >= threshold - TOLERANCE


def at_most(values: np.ndarray, threshold: float) -> np.ndarray:
    """values <= threshold (NaN is False)."""
    return values <= threshold + TOLERANCE


def below(values: np.ndarray, threshold: float) -> np.ndarray:
    """values < threshold (NaN is False)."""
    return values < threshold - TOLERANCE


def above(values: np.ndarray, threshold: float) -> np.ndarray:
    """values > threshold (NaN is False)."""
    return values > threshold + TOLERANCE


def p_alive_array(p_alive: np.ndarray | None, n_customers: int) -> np.ndarray:
    """P(alive) as float64 of length n; None means no model score (all NaN)."""
    return value_array(p_alive, n_customers, "p_alive")


def value_array(values: np.ndarray | None, n_customers: int, name: str) -> np.ndarray:
    """A per-customer float64 input (clv_12m, expected orders); None means unknown (NaN)."""
    if values is None:
        return np.full(n_customers, np.nan)
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (n_customers,):
        raise ValueError(f"{name} has shape {array.shape}, expected ({n_customers},)")
    return array


def p_alive_below(p_alive: np.ndarray, threshold: float) -> np.ndarray:
    return below(p_alive, threshold)


def p_alive_at_least(p_alive: np.ndarray, threshold: float) -> np.ndarray:
    return ~below(p_alive, threshold)


def top_share_cut(values: np.ndarray, among: np.ndarray, share: float) -> float:
    """The smallest value in the top `share` of `values[among]` (NaN left out).

    The top share is the k = ceil(share x m) largest of the m values; the cut is the k-th largest,
    so every value tied with it is in (the top can hold more than k). Inf when m = 0.
    """
    pool = values[among & ~np.isnan(values)]
    if pool.size == 0 or share <= 0:
        return math.inf
    k = min(pool.size, max(1, math.ceil(share * pool.size - TOLERANCE)))
    return float(np.partition(pool, pool.size - k)[pool.size - k])


def in_top_share(
    values: np.ndarray, among: np.ndarray, share: float, cut: float | None = None
) -> tuple[np.ndarray, float]:
    """Mask of `among` rows in the top `share` by value (value >= cut and > 0), and the cut.

    A given `cut` (from an earlier run over the whole base) is used as it is: that is how one
    customer is re-scored in real time against the population it was last ranked in.
    """
    cut = top_share_cut(values, among, share) if cut is None else eased_down(cut)
    return among & (values >= cut) & (values > 0), cut


RELATIVE_TOLERANCE = 1e-9


def eased_down(cut: float) -> float:
    """A stored cut-off a hair lower: a value recomputed for one customer can differ from the
    batch's in its last bits (a different summation order), and the customer at the cut must
    stay in."""
    return cut - abs(cut) * RELATIVE_TOLERANCE if math.isfinite(cut) else cut


def eased_up(cut: float) -> float:
    return cut + abs(cut) * RELATIVE_TOLERANCE if math.isfinite(cut) else cut


def given_cut(cuts: Mapping[str, float] | None, name: str) -> float | None:
    """A cut-off from `cuts` when the caller passed them, else None (compute it here)."""
    return None if cuts is None else float(cuts[name])


def bottom_share_cut(values: np.ndarray, among: np.ndarray, share: float) -> float:
    """The largest value in the bottom `share` of `values[among]` (ties at the cut are in)."""
    return -top_share_cut(-values, among, share)


def median_among(values: np.ndarray, among: np.ndarray) -> float:
    pool = values[among & ~np.isnan(values)]
    return float(np.median(pool)) if pool.size else math.nan
