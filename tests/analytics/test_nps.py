"""The NPS of a sample and its 95 % interval, against figures worked out by hand."""

from __future__ import annotations

import math

import pytest

from daur.analytics.nps import nps_estimate


def test_nps_and_its_interval_by_hand():
    # 50 promoters, 20 passives, 30 detractors: NPS 20; variance (0.5 + 0.3 - 0.04) / 100
    estimate = nps_estimate(50, 30, 100)
    half = 100 * 1.959963984540054 * math.sqrt(0.76 / 100)
    assert estimate.nps == pytest.approx(20.0)
    assert (estimate.low, estimate.high) == (pytest.approx(20 - half), pytest.approx(20 + half))
    assert half == pytest.approx(17.09, abs=0.01)


def test_everyone_a_promoter_has_no_spread_and_the_interval_is_clipped():
    assert nps_estimate(10, 0, 10).low == pytest.approx(100.0)
    wide = nps_estimate(2, 1, 3)
    assert -100 <= wide.low < wide.nps < wide.high <= 100


def test_small_and_empty_samples():
    assert nps_estimate(0, 0, 0).nps is None
    one = nps_estimate(0, 1, 1)
    assert one.nps == -100.0 and one.low is None


def test_impossible_counts_are_refused():
    with pytest.raises(ValueError):
        nps_estimate(5, 6, 10)
