"""Order statistics of a figure held by many ranges, found in two passes of bounded memory.

A distributed run's cut-offs (RFM quintile edges, top and bottom shares, the CLV median) are
order statistics of a figure over the whole base. Merging every range's distinct values
(`scoring_parts.ValueCounts`) gives them exactly, but holds about one value per buyer for spend,
order value and CLV: 1.7 GB at 10M customers. Here each range's values are read twice:

1. `Histogram`: how many values fall in each of 262,144 bins, folded range by range. A bin is
   the top 18 bits of the value's order-preserving key (the double's bits, negatives mirrored):
   bins follow the values' order, each 1/64 of an octave wide, whatever the figure's scale.
2. `Wanted` runs the cut-offs' own questions (`scoring_parts.base_cuts`) against the histogram's
   total to learn which ranks they read; the bins holding those ranks, and the next non-empty
   bin after each (a quintile edge may be the next distinct value), are then collected exactly
   from every range (`selections`), and `Selection` answers as the merged values would.

Every answer equals `ValueCounts`'s on the whole base's values (tests/analytics/
test_rank_select.py). Memory: 2 MB a figure for the histogram, and the distinct values of the
few bins chosen — at 10M buyers whose spends span 13 octaves, about 12,000 a bin: it grows with
the base a few hundred times slower than the distinct values do, and only where one 1/64 of an
octave holds most of a figure's distinct values does it approach them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from daur.analytics.cutoffs import TOLERANCE

BIN_BITS = 18
N_BINS = 1 << BIN_BITS
_SIGN = np.uint64(1 << 63)


def bins_of(values: np.ndarray) -> np.ndarray:
    """Each value's bin (no NaN): bins in the values' order; -0.0 is 0.0's."""
    bits = (np.asarray(values, dtype=np.float64) + 0.0).view(np.uint64)
    key = np.where(bits & _SIGN, ~bits, bits | _SIGN)
    return (key >> np.uint64(64 - BIN_BITS)).astype(np.int64)


class OrderStatistics:
    """The cut-off questions over `total` values and `nth` (0-based, ascending), as
    `cutoffs.top_share_cut` and the like ask them of the expanded values."""

    @property
    def total(self) -> int:
        raise NotImplementedError

    def nth(self, position: int) -> float:
        raise NotImplementedError

    def top_share_cut(self, share: float) -> float:
        m = self.total
        if m == 0 or share <= 0:
            return math.inf
        k = min(m, max(1, math.ceil(share * m - TOLERANCE)))
        return self.nth(m - k)

    def bottom_share_cut(self, share: float) -> float:
        """The largest value in the bottom `share`."""
        m = self.total
        if m == 0 or share <= 0:
            return -math.inf
        k = min(m, max(1, math.ceil(share * m - TOLERANCE)))
        return self.nth(k - 1)

    def median(self) -> float:
        """`np.median` of the expanded values (NaN when there are none)."""
        m = self.total
        if m == 0:
            return math.nan
        return float(np.mean([self.nth((m - 1) // 2), self.nth(m // 2)]))


def quintile_score(left: int, count: int, m: int) -> int:
    """The RFM score (1-5) of a distinct value with `left` values below it and `count` equal
    (`rfm.quintile_scores`: by the mid-rank of its ties)."""
    return (5 * (2 * left + count + 1) + 2 * m - 1) // (2 * m)


def quintile_positions(m: int) -> list[tuple[int, int, int]]:
    """Per score s, (s, T, q): a distinct value scores at least s when its left + right count
    reaches T, and the first such value is the one at rank q or the next distinct one (the
    values before rank q's reach less, the one after it more)."""
    out = []
    for s in range(1, 6):
        threshold = -(-(2 * m * (s - 1) + 1) // 5) - 1
        out.append((s, threshold, max(0, -(-threshold // 2) - 1)))
    return out


@dataclass
class Histogram:
    """How many values fall in each bin (`bins_of`)."""

    counts: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray, counts: np.ndarray) -> Histogram:
        """Of distinct `values` with their `counts` (a range's `ValueCounts`)."""
        summed = np.bincount(bins_of(values), weights=counts, minlength=N_BINS)
        return cls(np.rint(summed).astype(np.int64))

    @classmethod
    def empty(cls) -> Histogram:
        return cls(np.zeros(N_BINS, np.int64))

    def add(self, other: Histogram) -> None:
        self.counts += other.counts

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def bins_for(self, positions: Iterable[int]) -> np.ndarray:
        """The bins holding `positions`, and the next non-empty bin after each."""
        wanted = np.array(sorted(p for p in positions if 0 <= p < self.total), dtype=np.int64)
        if wanted.size == 0:
            return np.zeros(0, np.int64)
        held = np.searchsorted(np.cumsum(self.counts), wanted, side="right")
        non_empty = np.flatnonzero(self.counts)
        after = np.searchsorted(non_empty, held, side="right")
        following = non_empty[after[after < non_empty.size]]
        return np.unique(np.concatenate([held, following]))


class Wanted(OrderStatistics):
    """Stands in for a figure's values to learn which ranks the cut-offs read."""

    def __init__(self, total: int) -> None:
        self._total = total
        self.positions: set[int] = set()

    @property
    def total(self) -> int:
        return self._total

    def nth(self, position: int) -> float:
        self.positions.add(int(position))
        return 0.0

    def quintile_edges(self) -> list[float | None]:
        if self._total:
            self.positions.update(q for _, _, q in quintile_positions(self._total))
        return [None] * 5


class Selection(OrderStatistics):
    """A figure's distinct values in the chosen bins, each with its count and how many of the
    whole base's values lie below it: exact answers for the ranks those bins hold."""

    def __init__(self, values: np.ndarray, counts: np.ndarray, left: np.ndarray, total: int):
        self.values, self.counts, self.left, self._total = values, counts, left, total

    @property
    def total(self) -> int:
        return self._total

    def _index(self, position: int) -> int:
        i = int(np.searchsorted(self.left, position, side="right")) - 1
        if i < 0 or not self.left[i] <= position < self.left[i] + self.counts[i]:
            raise LookupError(f"rank {position} is not in the selected bins")
        return i

    def nth(self, position: int) -> float:
        return float(self.values[self._index(position)])

    def quintile_edges(self) -> list[float | None]:
        """As `ValueCounts.quintile_edges`: the lowest value of each score that some value has."""
        m = self._total
        edges: list[float | None] = []
        for s, threshold, position in quintile_positions(m) if m else []:
            i = self._index(position)
            if 2 * self.left[i] + self.counts[i] < threshold:
                i += 1  # the next distinct value (in this bin or the next non-empty one)
                if i == self.values.size:
                    edges.append(None)
                    continue
            score = quintile_score(int(self.left[i]), int(self.counts[i]), m)
            edges.append(float(self.values[i]) if score == s else None)
        return edges if m else [None] * 5


def selections(
    histograms: Mapping[str, Histogram],
    bins: Mapping[str, np.ndarray],
    parts: Iterable[Mapping[str, tuple[np.ndarray, np.ndarray]]],
) -> dict[str, Selection]:
    """The second pass: from every range's (values, counts) per figure, read again one range at
    a time, keep the values in the figure's chosen `bins`; exact `Selection`s."""
    kept: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {name: [] for name in histograms}
    for part in parts:
        for name, chosen in bins.items():
            values, counts = part[name]
            inside = np.isin(bins_of(values), chosen)
            kept[name].append((values[inside], counts[inside]))
    out = {}
    for name, histogram in histograms.items():
        pieces = kept[name]
        values = np.concatenate([v for v, _ in pieces]) if pieces else np.zeros(0)
        counts = np.concatenate([c for _, c in pieces]) if pieces else np.zeros(0, np.int64)
        unique, inverse = np.unique(values, return_inverse=True)
        summed = np.bincount(inverse, weights=counts, minlength=unique.size).astype(np.int64)
        out[name] = _selection(unique, summed, histogram)
    return out


def _selection(values: np.ndarray, counts: np.ndarray, histogram: Histogram) -> Selection:
    below = np.cumsum(histogram.counts) - histogram.counts  # values in the bins before each
    bins = bins_of(values)
    before = np.cumsum(counts) - counts  # among the selected values
    starts = np.searchsorted(bins, bins)  # each value's bin's first selected value
    left = below[bins] + before - before[starts]
    held = np.bincount(bins, weights=counts, minlength=N_BINS)
    chosen = np.unique(bins)
    if not np.array_equal(np.rint(held[chosen]).astype(np.int64), histogram.counts[chosen]):
        raise RuntimeError("a range's values changed between the two passes")
    return Selection(values, counts, left, histogram.total)
