"""Exact percentiles with linear interpolation between ranks (numpy's default, what PostgreSQL's
PERCENTILE_CONT gives), over the values present (NaN: the event did not happen). numpy takes them
by selection (a partition, linear in the number of values) rather than a full sort."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# How many values are present, and their percentiles (None when none is).
Figures = tuple[int, tuple[float, ...] | None]


def percentiles_present(values: np.ndarray, percents: Sequence[float]) -> Figures:
    """The percentiles (`percents` as fractions, 0.5 for the median) of the values present."""
    present = values[~np.isnan(values)]
    if not present.size:
        return 0, None
    found = np.percentile(present, [100.0 * p for p in percents])
    return int(present.size), tuple(float(v) for v in found)
