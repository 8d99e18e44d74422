"""RFM quintile scores (1-5) and the named segment of the R x F grid (SPEC section 2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from daur.analytics.cutoffs import eased_down
from daur.analytics.summary import TransactionSummary

# SEGMENT_GRID[r - 1][f - 1]: one name per cell, so the heatmap and the segments agree.
SEGMENT_GRID: tuple[tuple[str, ...], ...] = (
    ("Lost", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    ("About To Sleep", "About To Sleep", "Need Attention", "Loyal Customers", "Loyal Customers"),
    ("Promising", "Potential Loyalist", "Potential Loyalist", "Loyal Customers", "Loyal Customers"),
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


_GRID_CODES = np.vectorize(SEGMENTS.index)(_GRID_ARRAY)
NO_SEGMENT = -1


def scores_by_edges(values: np.ndarray, edges, among: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """Scores 1-5 of `values[among]` against the lowest value of each score in an earlier ranking
    (`edges[s - 1]`, None when no one had score s): the highest score whose edge a value reaches,
    1 when it reaches none; 0 outside `among`. Edges are eased a hair down (see eased_down)."""
    values = np.asarray(values, dtype=np.float64)
    score = np.zeros(len(values), dtype=np.int8)
    for s, low in enumerate(edges, start=1):
        if low is not None:
            score[among & (values >= eased_down(float(low)))] = s
    score[among & (score == 0)] = 1
    return score


def segment_codes_as_of(
    *,
    customer_index: np.ndarray,
    day: np.ndarray,
    orders: np.ndarray,
    n_customers: int,
    as_of_day: int,
    edges,  # noqa: ANN001 - {"r": [...], "f": [...]}: a scoring run's cuts["rfm"]
) -> np.ndarray:
    """Each customer's RFM segment as of the end of `as_of_day`, from its orders up to that day.

    Rows are (customer, day, orders that day) sorted by customer then day, every order counted
    as scoring counts them. Recency is days since the last order, frequency the number of orders.
    The scores are those the run's cut-offs (`edges`) give, as in real-time re-scoring.
    Returns the index in SEGMENTS, NO_SEGMENT for a customer without an order by then.
    """
    customer_index = np.asarray(customer_index, dtype=np.int64)
    day = np.asarray(day, dtype=np.int64)
    kept = day <= as_of_day
    frequency = np.bincount(
        customer_index[kept], weights=np.asarray(orders, np.float64)[kept], minlength=n_customers
    )
    rows_kept = np.bincount(customer_index[kept], minlength=n_customers)
    first_row = np.concatenate(([0], np.cumsum(np.bincount(customer_index, minlength=n_customers))))
    buyer = rows_kept > 0
    last_day = np.zeros(n_customers, dtype=np.int64)
    # Rows are sorted by day within a customer: the kept ones are a prefix of its rows.
    last_day[buyer] = day[first_row[:-1][buyer] + rows_kept[buyer] - 1]
    return segment_codes(
        frequency=frequency, last_day=last_day, buyer=buyer, as_of_day=as_of_day, edges=edges
    )


def segment_codes(
    *,
    frequency: np.ndarray,
    last_day: np.ndarray,
    buyer: np.ndarray,
    as_of_day: int,
    edges,  # noqa: ANN001 - {"r": [...], "f": [...]}: a scoring run's cuts["rfm"]
) -> np.ndarray:
    """Each customer's RFM segment as of the end of `as_of_day`, from its orders up to then
    (`frequency`) and the day of the last one (`last_day`, read where `buyer`): the index in
    SEGMENTS, NO_SEGMENT for a customer that is not a buyer yet."""
    buyer = np.asarray(buyer, dtype=bool)
    recency = -(as_of_day - np.asarray(last_day, np.int64)).astype(np.float64)  # higher: better
    r = scores_by_edges(recency, edges["r"], buyer)
    f = scores_by_edges(frequency, edges["f"], buyer)
    codes = np.full(len(buyer), NO_SEGMENT, dtype=np.int64)
    codes[buyer] = _GRID_CODES[r[buyer] - 1, f[buyer] - 1]
    return codes
