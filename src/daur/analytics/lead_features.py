"""What the lead score reads from a lead: channel, campaign, industry, country, activity, speed.

Every input is cleaned here (missing, negative, infinite or non-numeric values), so that the
model and the scoring never see a value they cannot use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CATEGORICAL = ("source", "campaign", "industry", "country")
MAX_COUNT = 1e6  # an activity count beyond this is a data error; capped
MAX_HOURS = 24.0 * 365 * 20


@dataclass(frozen=True)
class LeadFeatures:
    """One row per lead. Strings are lower-case and stripped, "" when unknown.

    `activity_counts[:, k]` counts activities of kind `activity_kinds[k]` (up to the close of a
    closed lead, up to the as-of moment of an open one); `first_response_hours` is the time from
    the lead's creation to our first call, e-mail or meeting, NaN when nobody has answered yet;
    `age_days` the days in the pipeline (to the close, or to the as-of moment).
    """

    source: np.ndarray
    campaign: np.ndarray
    industry: np.ndarray
    country: np.ndarray
    activity_counts: np.ndarray
    first_response_hours: np.ndarray
    age_days: np.ndarray
    activity_kinds: tuple[str, ...]

    @classmethod
    def build(
        cls,
        *,
        source: Sequence[object],
        activity_kinds: Sequence[str],
        activity_counts: object,
        first_response_hours: Sequence[object] | None = None,
        age_days: Sequence[object] | None = None,
        campaign: Sequence[object] | None = None,
        industry: Sequence[object] | None = None,
        country: Sequence[object] | None = None,
    ) -> LeadFeatures:
        n = len(source)
        counts = _numbers(activity_counts, (n, len(activity_kinds)), missing=0.0)
        hours = _numbers(first_response_hours, (n,), missing=np.nan)
        age = _numbers(age_days, (n,), missing=0.0)
        return cls(
            source=_labels(source, n),
            campaign=_labels(campaign, n),
            industry=_labels(industry, n),
            country=_labels(country, n),
            activity_counts=np.clip(np.nan_to_num(counts, nan=0.0), 0.0, MAX_COUNT),
            # An answer logged before the lead itself: answered at once.
            first_response_hours=np.clip(hours, 0.0, MAX_HOURS),
            age_days=np.clip(np.nan_to_num(age, nan=0.0), 0.0, MAX_HOURS / 24.0),
            activity_kinds=tuple(activity_kinds),
        )

    @property
    def n_leads(self) -> int:
        return len(self.source)

    def labels(self, name: str) -> np.ndarray:
        return getattr(self, name)

    def take(self, rows: np.ndarray) -> LeadFeatures:
        return LeadFeatures(
            source=self.source[rows],
            campaign=self.campaign[rows],
            industry=self.industry[rows],
            country=self.country[rows],
            activity_counts=self.activity_counts[rows],
            first_response_hours=self.first_response_hours[rows],
            age_days=self.age_days[rows],
            activity_kinds=self.activity_kinds,
        )


def _labels(values: Sequence[object] | None, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, "", dtype=object)
    if len(values) != n:
        raise ValueError(f"expected {n} values, got {len(values)}")
    out = np.empty(n, dtype=object)
    out[:] = [str(v).strip().lower() if v is not None and v == v else "" for v in values]
    return out


def _numbers(values: object, shape: tuple[int, ...], *, missing: float) -> np.ndarray:
    """Floats of `shape`; None, text that is not a number and infinities become `missing`."""
    if values is None:
        return np.full(shape, missing)
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        flat = [_number(v, missing) for v in np.asarray(values, dtype=object).ravel()]
        array = np.asarray(flat, dtype=np.float64).reshape(np.shape(values))
    if array.shape != shape:
        raise ValueError(f"expected values of shape {shape}, got {array.shape}")
    return np.where(np.isfinite(array), array, missing)


def _number(value: object, missing: float) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return missing
