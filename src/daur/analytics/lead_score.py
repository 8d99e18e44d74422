"""The lead score (SPEC §6 Leads): a probability of winning with the factors that moved it.

A `LeadModel` is linear in the logit, whether learned (basis `model`: a regularised logistic
regression, see lead_score_learn.py) or the per-channel prior (basis `prior`: a Beta-smoothed
win rate per source). Its logit for a lead is the logit of the average lead of the history
(`base_logit`) plus one contribution per factor (source, campaign, industry, country, each
activity kind, first response, age), so the factors add up exactly to the score's logit.

Points turn the contributions into probability: each factor gets its share of the move from
the average lead's probability to this lead's, in proportion to its logit contribution (the
secant slope of the logistic curve between the two, so a factor's points have its logit's sign
and all points add up to p - p_base).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from scipy import sparse
from scipy.special import expit

from daur.analytics.lead_features import CATEGORICAL, LeadFeatures

BASES = ("model", "prior")
OTHER = "other"  # the level of a label the model did not learn (rare or new)


class Factor(NamedTuple):
    """One contribution to a lead's score: `points` in probability (0.12 = 12 points). A named
    tuple: a score keeps several and a run builds them for every open lead."""

    name: str
    value: str | float
    points: float
    logit: float

    def as_mapping(self) -> dict[str, Any]:
        return self._asdict()


def factors_text(factors: list[Mapping[str, Any]] | tuple[Factor, ...]) -> str:
    """The export form: `name:+0.12;name:-0.03`, in the order given (largest first)."""
    items = [f.as_mapping() if isinstance(f, Factor) else f for f in factors]
    return ";".join(f"{item['name']}:{float(item['points']):+.2f}" for item in items)


def numeric_groups(activity_kinds: tuple[str, ...]) -> tuple[str, ...]:
    """The factor of each numeric column, in column order."""
    return (
        *(f"{kind}_count" for kind in activity_kinds),
        "first_response",
        "first_response",
        "age",
    )


def numeric_columns(features: LeadFeatures) -> np.ndarray:
    """log(1 + count) per activity kind; answered (0/1) and log(1 + hours) to the first answer
    (0 when none); log(1 + age in days)."""
    hours = features.first_response_hours
    answered = ~np.isnan(hours)
    return np.column_stack(
        (
            np.log1p(features.activity_counts),
            answered.astype(np.float64),
            np.where(answered, np.log1p(np.nan_to_num(hours)), 0.0),
            np.log1p(features.age_days),
        )
    )


def level_codes(labels: np.ndarray, levels: tuple[str, ...]) -> np.ndarray:
    """Each label's index in `levels`, -1 for any other (vectorised over the distinct labels)."""
    if len(labels) == 0:
        return np.zeros(0, np.int64)
    distinct, inverse = np.unique(labels.astype(str), return_inverse=True)
    position = {level: i for i, level in enumerate(levels)}
    mapped = np.array([position.get(label, -1) for label in distinct], dtype=np.int64)
    return mapped[inverse]


@dataclass(frozen=True)
class LeadModel:
    """logit(p) = intercept + coef . x, x = the one-hot levels of each categorical then the
    standardised numeric columns; `column_mean` is the average lead of the history."""

    basis: str
    activity_kinds: tuple[str, ...]
    levels: Mapping[str, tuple[str, ...]]
    numeric_center: np.ndarray
    numeric_scale: np.ndarray
    coef: np.ndarray
    intercept: float
    column_mean: np.ndarray
    reason: str = ""
    quality: Mapping[str, Any] = field(default_factory=dict)

    @property
    def base_logit(self) -> float:
        return float(self.intercept + self.coef @ self.column_mean)

    @property
    def base_probability(self) -> float:
        return float(expit(self.base_logit))

    def design(self, features: LeadFeatures) -> sparse.csr_matrix:
        """The model's columns for these leads (sparse: one-hot levels, then numeric)."""
        n = features.n_leads
        blocks = []
        for name in CATEGORICAL:
            levels = self.levels.get(name, ())
            codes = level_codes(features.labels(name), levels)
            known = codes >= 0
            blocks.append(
                sparse.csr_matrix(
                    (np.ones(int(known.sum())), (np.flatnonzero(known), codes[known])),
                    shape=(n, len(levels)),
                )
            )
        z = (numeric_columns(features) - self.numeric_center) / self.numeric_scale
        blocks.append(sparse.csr_matrix(z))
        return sparse.hstack(blocks, format="csr")

    def groups(self) -> tuple[np.ndarray, tuple[str, ...]]:
        """The factor index of every column, and the factor names."""
        names = (*CATEGORICAL, *dict.fromkeys(numeric_groups(self.activity_kinds)))
        column_names = [name for name in CATEGORICAL for _ in self.levels.get(name, ())]
        column_names += numeric_groups(self.activity_kinds)
        return np.array([names.index(c) for c in column_names], dtype=np.int64), names

    def score(self, features: LeadFeatures, *, factors_shown: int = 5) -> LeadScores:
        if features.activity_kinds != self.activity_kinds:
            raise ValueError("the leads' activity kinds differ from the model's")
        group, names = self.groups()
        x = self.design(features)
        # Per factor: sum over its columns of coef * (x - mean).
        weights = sparse.csr_matrix(
            (self.coef, (np.arange(len(self.coef)), group)), shape=(len(self.coef), len(names))
        )
        average = np.bincount(group, self.coef * self.column_mean, len(names))
        contributions = (x @ weights).toarray() - average
        logit = self.base_logit + contributions.sum(axis=1)
        return LeadScores(
            probability=expit(logit),
            logit=logit,
            contributions=contributions,
            factor_names=names,
            base_logit=self.base_logit,
            basis=self.basis,
            features=features,
            levels=self.levels,
            factors_shown=factors_shown,
        )

    def as_mapping(self) -> dict[str, Any]:
        """JSON-friendly, read back by `from_mapping` (stored with each learning)."""
        return {
            "basis": self.basis,
            "activity_kinds": list(self.activity_kinds),
            "levels": {name: list(levels) for name, levels in self.levels.items()},
            "numeric_center": self.numeric_center.tolist(),
            "numeric_scale": self.numeric_scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": float(self.intercept),
            "column_mean": self.column_mean.tolist(),
            "reason": self.reason,
            "quality": dict(self.quality),
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> LeadModel:
        return cls(
            basis=str(data["basis"]),
            activity_kinds=tuple(data["activity_kinds"]),
            levels={name: tuple(levels) for name, levels in data["levels"].items()},
            numeric_center=np.asarray(data["numeric_center"], dtype=np.float64),
            numeric_scale=np.asarray(data["numeric_scale"], dtype=np.float64),
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=float(data["intercept"]),
            column_mean=np.asarray(data["column_mean"], dtype=np.float64),
            reason=str(data.get("reason", "")),
            quality=dict(data.get("quality", {})),
        )


@dataclass(frozen=True)
class LeadScores:
    """The scores of some leads: probability, and per factor its logit contribution."""

    probability: np.ndarray
    logit: np.ndarray
    contributions: np.ndarray  # (n leads, n factors), logit units
    factor_names: tuple[str, ...]
    base_logit: float
    basis: str
    features: LeadFeatures = field(repr=False)
    levels: Mapping[str, tuple[str, ...]] = field(repr=False)
    factors_shown: int = 5

    def points(self) -> np.ndarray:
        """Each contribution in probability points; a lead's points add up to p - p_base."""
        delta = self.logit - self.base_logit
        base = expit(self.base_logit)
        slope = self.probability * (1.0 - self.probability)  # the tangent where delta ~ 0
        close = np.abs(delta) < 1e-9
        secant = np.where(close, slope, (self.probability - base) / np.where(close, 1.0, delta))
        return self.contributions * secant[:, None]

    def factors(self, index: int) -> tuple[Factor, ...]:
        """The largest contributions first (at most `factors_shown`, none under half a point)."""
        return self.all_factors(np.array([index]))[0]

    def all_factors(self, rows: np.ndarray | None = None) -> list[tuple[Factor, ...]]:
        """`factors` of every lead (or of `rows`), vectorised but for building the tuples."""
        rows = np.arange(len(self.probability)) if rows is None else rows
        points = self.points()[rows]
        contributions = self.contributions[rows]
        shown = min(self.factors_shown, points.shape[1])
        order = np.argsort(-np.abs(points), axis=1, kind="stable")[:, :shown]
        picked = np.take_along_axis(points, order, axis=1)
        logits = np.take_along_axis(contributions, order, axis=1)
        values = [self._values(name, rows) for name in self.factor_names]
        names = self.factor_names
        out = []
        for i, (ks, ps, ls) in enumerate(
            zip(order.tolist(), np.round(picked, 4).tolist(), np.round(logits, 4).tolist())
        ):
            out.append(
                tuple(
                    Factor(names[k], values[k][i], p, g)
                    for k, p, g in zip(ks, ps, ls)
                    if p >= 0.005 or p <= -0.005
                )
            )
        return out

    def _values(self, name: str, rows: np.ndarray) -> list[str | float]:
        """What each lead has for a factor: its label ("other" when the model does not know
        it), its count, its hours to the first answer ("none") or its age in days."""
        f = self.features
        if name in CATEGORICAL:
            labels = f.labels(name)[rows]
            known = level_codes(labels, self.levels.get(name, ())) >= 0
            return np.where(known, labels, OTHER).tolist()
        if name == "first_response":
            hours = np.round(f.first_response_hours[rows], 1)
            return [("none" if h != h else h) for h in hours.tolist()]
        if name == "age":
            return np.round(f.age_days[rows], 1).tolist()
        kind = name.removesuffix("_count")
        return f.activity_counts[rows, f.activity_kinds.index(kind)].astype(float).tolist()
