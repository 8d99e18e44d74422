"""What fitting a base's models needs, in a form that adds up across parts of the base.

The purchase models are fitted on collapsed (x, t_x, T) rows with a count each, the spend model
on collapsed (x, mean repeat value) rows with a count each, and the holdout test that chooses
the purchase model on a sample of customers: the TEST_MAX_CUSTOMERS with the smallest sample
key (a hash of the customer's id), so that every part of a base can offer its own smallest and
the merge keeps the smallest of all. The in-process run and a run split over customer ranges
(`daur score --distributed`) both fit from these inputs, so their fits are the same to the bit:
collapsing sorts the rows, and counts add up exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from daur.analytics.btyd._fit import SufficientStats, merge_stats, sufficient_stats
from daur.analytics.btyd._rows import collapse_rows

TEST_MAX_CUSTOMERS = 20_000
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def sample_keys(ids: np.ndarray) -> np.ndarray:
    """A pseudo-random uint64 per id (splitmix64's finaliser): the same id, the same key."""
    z = np.asarray(ids).astype(np.uint64) + _GOLDEN
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@dataclass(frozen=True)
class CalibrationSample:
    """The holdout test's customers (the smallest sample keys among those who bought before the
    calibration end and had time to buy again), sorted by key; `n_aged` counts all of those."""

    key: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    holdout_x: np.ndarray
    n_aged: int

    @classmethod
    def of(cls, key, x, t_x, T, holdout_x, n_aged: int) -> CalibrationSample:
        keep = np.argsort(key, kind="stable")[:TEST_MAX_CUSTOMERS]
        return cls(key[keep], x[keep], t_x[keep], T[keep], holdout_x[keep], int(n_aged))


@dataclass(frozen=True)
class SpendRows:
    """Repeat buyers' collapsed (x, mean repeat order value) rows and how many buyers each."""

    x: np.ndarray
    zbar: np.ndarray
    weights: np.ndarray

    @classmethod
    def of(cls, x, zbar, weights=None) -> SpendRows:
        (ux, uz), w, _ = collapse_rows(x, zbar, weights=weights, inverse=False)
        return cls(ux, uz, w)

    def median(self) -> float:
        """np.median of the expanded values (the mean of the two middle ones when even)."""
        total = int(self.weights.sum())
        if total == 0:
            return float("nan")
        order = np.argsort(self.zbar, kind="stable")
        values, ends = self.zbar[order], np.cumsum(self.weights[order])
        low = values[np.searchsorted(ends, (total - 1) // 2, side="right")]
        high = values[np.searchsorted(ends, total // 2, side="right")]
        return float(np.mean([low, high]))

    def mean(self) -> float:
        return float(np.dot(self.weights, self.zbar) / self.weights.sum())


@dataclass(frozen=True)
class FitInputs:
    """Everything `scoring_models.fit_from_inputs` reads: all buyers' collapsed (x, t_x, T),
    the spend rows, and the holdout test's sample (None where the history is too short)."""

    first_day: int
    buyers: SufficientStats
    spend: SpendRows
    calibration: CalibrationSample | None


def spend_rows(x: np.ndarray, mean_repeat_spend: np.ndarray) -> SpendRows:
    repeat = x > 0
    return SpendRows.of(x[repeat], mean_repeat_spend[repeat])


def buyer_stats(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> SufficientStats:
    return sufficient_stats(x, t_x, T)


def merge_fit_inputs(parts: Sequence[FitInputs]) -> FitInputs:
    """The inputs of the whole base from those of its parts (ranges of customers)."""
    if not parts:
        raise ValueError("no parts to merge")
    firsts = {p.first_day for p in parts}
    if len(firsts) != 1:
        raise ValueError(f"parts computed with different first days: {sorted(firsts)}")
    samples = [p.calibration for p in parts if p.calibration is not None]
    calibration = None
    if samples:
        calibration = CalibrationSample.of(
            *(
                np.concatenate([getattr(s, f) for s in samples])
                for f in ("key", "x", "t_x", "T", "holdout_x")
            ),
            n_aged=sum(s.n_aged for s in samples),
        )
    spend = [p.spend for p in parts]
    return FitInputs(
        first_day=parts[0].first_day,
        buyers=merge_stats([p.buyers for p in parts]),
        spend=SpendRows.of(
            np.concatenate([s.x for s in spend]),
            np.concatenate([s.zbar for s in spend]),
            np.concatenate([s.weights for s in spend]),
        ),
        calibration=calibration,
    )
