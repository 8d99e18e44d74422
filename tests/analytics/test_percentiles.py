"""Exact percentiles by linear interpolation over the values present, worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from daur.analytics.percentiles import percentiles_present


def test_linear_interpolation_between_ranks_leaves_missing_values_out():
    values = np.array([10.0, np.nan, 1.0, 4.0, 2.0, np.nan])
    n, (median, p90) = percentiles_present(values, (0.5, 0.9))
    # 1, 2, 4, 10: the median halfway between 2 and 4; p90 at rank 2.7 = 4 + 0.7 * 6
    assert n == 4
    assert median == pytest.approx(3.0)
    assert p90 == pytest.approx(8.2)


def test_nothing_present():
    assert percentiles_present(np.array([np.nan]), (0.5,)) == (0, None)
    assert percentiles_present(np.zeros(0), (0.5,)) == (0, None)
