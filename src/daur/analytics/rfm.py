"""RFM quintile scores (1-5) and the named segment of the R x F grid (SPEC section 2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from daur.analytics.summary import TransactionSummary

# SEGMENT_GRID[r - 1][f - 1]: one name per cell, so the heatmap and the segments agree.
SEGMENT_GRID: tuple[tuple[str, ...], ...] = (
    ("Lost", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    ("About To Sleep", "About To Sleep", "Need Attention", "Loyal Customers", "Loyal Customers"),
    ("Promising", "Potential Loyalist", "Potential Loyalist", "Loyal Customers",
     "Loyal Customers"),
    ("New Customers", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"),
)
SEGMENTS: tuple[str, ...] = (
    "Champions",
    "Loyal Customers",
    "Potential Loyalist",
    "New Customers",
    "Promising",
    "Need Attention",
    "About To Sleep",
    "At Risk",
    "Can't Lose Them",
    "Hibernating",
    "Lost",
)
_GRID_ARRAY = np.array(SEGMENT_GRID)


@dataclass(frozen=True)
class RfmScores:
    """Scores 1-5 per customer (5 = most recent / most frequent / highest spend)."""

    recency: np.ndarray
    frequency: np.ndarray
    monetary: np.ndarray
    segment: np.ndarray


def quintile_scores(values) -> np.ndarray:
    """Scores 1-5 by rank: ceil(5 * average rank / n); equal values share their average rank."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if np.isnan(v).any():
        raise ValueError("RFM values must not be NaN")
    n = v.size
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    ordered = np.sort(v)
    left = np.searchsorted(ordered, v, side="left")
    right = np.searchsorted(ordered, v, side="right")
    # Average 1-based rank is (left + right + 1) / 2; integer ceil keeps boundaries exact.
    return ((5 * (left + right + 1) + 2 * n - 1) // (2 * n)).astype(np.int8)


def segment_of(recency_score, frequency_score) -> np.ndarray:
    """The segment names of the R x F grid for the given scores."""
    r = np.asarray(recency_score, dtype=np.intp)
    f = np.asarray(frequency_score, dtype=np.intp)
    if ((r < 1) | (r > 5) | (f < 1) | (f > 5)).any():
        raise ValueError("RFM scores are between 1 and 5")
    return _GRID_ARRAY[r - 1, f - 1]


def rfm_scores(recency_days, frequency, monetary) -> RfmScores:
    """Quintile scores and segments; recency is days since the last purchase (fewer is better)."""
    recency_days = np.asarray(recency_days, dtype=np.float64)
    r = quintile_scores(-recency_days)
    f = quintile_scores(frequency)
    m = quintile_scores(monetary)
    if not (r.size == f.size == m.size):
        raise ValueError("recency, frequency and monetary must have the same length")
    return RfmScores(recency=r, frequency=f, monetary=m, segment=segment_of(r, f))


def rfm_from_summary(summary: TransactionSummary) -> RfmScores:
    """RFM as of the summary's calibration end: days since last order, orders, total spend."""
    return rfm_scores(summary.recency_days, summary.order_count, summary.total_spend)
