"""The two-pass order statistics (daur.analytics.rank_select) give exactly what the merged
distinct values give (`ValueCounts`), for every question the cut-offs ask, on figures shaped
like real ones — ties, refunds below zero, zeros of both signs, a few huge values, everything in
one bin, a handful of values — while holding only the bins the answers fall in."""

from __future__ import annotations

import math

import numpy as np
import pytest

from daur.analytics.rank_select import (
    N_BINS,
    Histogram,
    Wanted,
    bins_of,
    quintile_score,
    selections,
)
from daur.analytics.scoring_parts import ValueCounts

SHARES = (0.2, 0.1, 0.05, 1 / 3, 0.5, 0.999, 1.0, 1e-9)


def _questions(stats) -> list:
    """What base_cuts asks of a figure, and more shares."""
    out = [stats.quintile_edges(), stats.median()]
    for share in SHARES:
        out += [stats.top_share_cut(share), stats.bottom_share_cut(share)]
    return out


def _ranges(values: np.ndarray, rng: np.random.Generator, n_ranges: int) -> list[ValueCounts]:
    owner = rng.integers(0, n_ranges, values.size)
    return [ValueCounts.of(values[owner == k], np.ones((owner == k).sum(), bool))
            for k in range(n_ranges)]


def _two_pass(parts: list[ValueCounts], ask=_questions, again=None):
    """Count by bin, learn the ranks `ask` reads, select their bins from `again` (default: the
    same parts) read a second time."""
    histogram = Histogram.empty()
    for part in parts:
        histogram.add(part.histogram())
    wanted = Wanted(histogram.total)
    ask(wanted)
    bins = histogram.bins_for(wanted.positions)
    chosen = selections(
        {"x": histogram}, {"x": bins},
        ({"x": (p.values, p.counts)} for p in (parts if again is None else again)),
    )["x"]
    return chosen, bins


def _same(a: list, b: list) -> bool:
    def flat(v):
        return v if isinstance(v, list) else [v]
    left, right = sum((flat(v) for v in a), []), sum((flat(v) for v in b), [])
    return all(
        (x is None and y is None) or (x == y) or (math.isnan(x) and math.isnan(y))
        for x, y in zip(left, right, strict=True)
    )


def _figures(rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = 20_000
    return {
        "spend (lognormal, refunds below zero)": np.concatenate([
            np.round(rng.lognormal(12, 1.5, n), 2), -np.round(rng.lognormal(10, 1, 300), 2)
        ]),
        "orders (small integers, heavy ties)": rng.geometric(0.4, n).astype(float),
        "recency (negative days)": -rng.integers(0, 900, n).astype(float),
        "repeated identical amounts": np.repeat([49_000.0, 99_000.0, 149_000.0], [9000, 7000, 4000]),
        "zeros of both signs and whales": np.concatenate([
            np.zeros(5000), -np.zeros(5000), rng.uniform(0, 1, n), [1e12, 3e12, np.inf]
        ]),
        "everything in one bin": 1.0 + rng.uniform(0, 0.05, n),
        "one buyer": np.array([123.45]),
        "two buyers": np.array([5.0, 5.0]),
        "three": np.array([1.0, 2.0, 3.0]),
        "none": np.zeros(0),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_answer_equals_the_merged_values_answer(seed):
    rng = np.random.default_rng(seed)
    for name, values in _figures(rng).items():
        parts = _ranges(values, rng, n_ranges=int(rng.integers(1, 12)))
        exact = ValueCounts.merged(parts)
        chosen, _ = _two_pass(parts)
        assert chosen.total == exact.total == values.size, name
        assert _same(_questions(chosen), _questions(exact)), (
            name, _questions(chosen), _questions(exact)
        )


def test_the_selection_holds_a_small_part_of_the_distinct_values():
    """With the cut-offs' own questions (quintile edges, a top share, the median)."""
    rng = np.random.default_rng(7)
    values = np.round(rng.lognormal(12, 1.5, 400_000), 2)  # spends: nearly all distinct
    parts = _ranges(values, rng, n_ranges=8)

    def ask(stats):
        return stats.quintile_edges(), stats.top_share_cut(0.2), stats.median()

    chosen, _ = _two_pass(parts, ask)
    exact = ValueCounts.merged(parts)
    assert exact.values.size > 300_000
    assert chosen.values.size < exact.values.size / 30  # 2.6 %: 14 bins near the ranks
    assert chosen.quintile_edges() == exact.quintile_edges()
    assert chosen.top_share_cut(0.2) == exact.top_share_cut(0.2)
    assert chosen.median() == exact.median()


def test_bins_follow_the_values_order():
    rng = np.random.default_rng(3)
    values = np.sort(np.concatenate([
        -rng.lognormal(5, 3, 5000), rng.lognormal(5, 3, 5000), [0.0, -0.0, -np.inf, np.inf]
    ]))
    bins = bins_of(values)
    assert (np.diff(bins) >= 0).all()
    assert bins.min() >= 0 and bins.max() < N_BINS
    assert bins_of(np.array([-0.0]))[0] == bins_of(np.array([0.0]))[0]


def test_the_quintile_score_is_the_mid_rank_score():
    # 10 values, each once: ranks 1..10 score 1,1,2,2,3,3,4,4,5,5
    scores = [quintile_score(left, 1, 10) for left in range(10)]
    assert scores == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_a_range_changed_between_the_passes_is_refused():
    rng = np.random.default_rng(5)
    parts = _ranges(rng.uniform(0, 100, 1000), rng, n_ranges=3)
    shrunk = [ValueCounts(p.values[::2], p.counts[::2]) for p in parts]
    with pytest.raises(RuntimeError, match="changed between the two passes"):
        _two_pass(parts, again=shrunk)
