"""Buyer personas: groups of buyers found by clustering behaviour and market (docs/personas.md).

Input, one row per buyer: numbers (recency in days, orders a year, average order value, the share
of orders bought with a discount), the share of revenue per product category, and codes (main
order channel, orientation, country, city, relationship). Each code becomes one 0/1 column per
frequent value (the rarer ones share none); each number is log-transformed where it is skewed and
standardised over the base. k-means (scikit-learn) is fitted on a random sample of at most
`sample_cap` rows, for each k in `k_range`, and the k with the best silhouette on the sample is
kept; then every buyer is assigned to its nearest centre in chunks. The random draws use `seed`:
the same data gives the same personas. Personas are numbered by size, largest first.

A persona is described by its figures in the original units (orders a year, discount share, main
channel, category and market with their shares) and by its traits: the columns whose mean in the
persona lies furthest from the base's, in standard deviations of the base.

Drift: `personas_match` pairs the personas of two runs by the distance of their centres over the
columns both know (the Hungarian method, scipy's `linear_sum_assignment`); a pair further apart
than `max_distance` is no match (a new persona).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

NUMBERS = ("recency_days", "orders_per_year", "order_value", "discount_share")
LOGGED = frozenset({"recency_days", "orders_per_year", "order_value"})
CODES = ("channel", "orientation", "country", "city", "relationship")
# The most frequent values kept as columns, per kind of code and for the categories.
TOP_VALUES = {"channel": 4, "orientation": 3, "country": 4, "city": 6, "relationship": 3}
TOP_CATEGORIES = 6
CHUNK = 200_000


@dataclass(frozen=True)
class PersonaInput:
    """Columns of equal length n. `codes[kind]` holds one value per buyer ("" for none);
    `category_shares[name]` the share of the buyer's revenue in that category (0-1)."""

    numbers: Mapping[str, np.ndarray]
    category_shares: Mapping[str, np.ndarray]
    codes: Mapping[str, Sequence[str]]

    @property
    def n(self) -> int:
        return len(self.numbers[NUMBERS[0]])


@dataclass(frozen=True)
class Trait:
    feature: str  # a number's name, "category", or a kind of code
    value: str  # the category or code ("" for a number)
    persona_mean: float  # in the original units (a share for a category or code)
    base_mean: float
    z: float  # (persona_mean - base_mean) / the base's standard deviation


@dataclass(frozen=True)
class Persona:
    number: int  # 1 = the largest
    size: int
    share: float
    figures: dict  # see _figures
    traits: list[Trait]  # most distinctive first
    centre: dict[str, float]  # column -> mean in the clustering space


@dataclass(frozen=True)
class PersonaFit:
    personas: list[Persona]
    labels: np.ndarray  # per input row, the persona's number
    k: int
    silhouette: float | None
    sample_size: int
    scores: dict[int, float] = field(default_factory=dict)  # k -> silhouette


@dataclass(frozen=True)
class _Matrix:
    x: np.ndarray  # float32, n x columns, the clustering space
    columns: list[str]  # "recency_days", "category=Fashion", "city=Bandung", ...
    raw: np.ndarray  # float32, the same columns in the original units (for the figures)


def _column_name(feature: str, value: str = "") -> str:
    return f"{feature}={value}" if value else feature


def _factorized(values: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Integer codes and the values they stand for (pandas hashes; sorting strings costs more)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    return codes.astype(np.int64), ["" if v is None else str(v) for v in uniques]


def _top(codes: np.ndarray, values: list[str], limit: int) -> list[int]:
    """The codes of the `limit` most frequent non-empty values, ties by value."""
    counts = np.bincount(codes, minlength=len(values))
    ranked = sorted(range(len(values)), key=lambda i: (-counts[i], values[i]))
    return [i for i in ranked if values[i] != "" and counts[i] > 0][:limit]


def _matrix(data: PersonaInput) -> _Matrix:
    n = data.n
    columns, raw, x = [], [], []
    for name in NUMBERS:
        values = np.asarray(data.numbers[name], dtype=np.float64)
        values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
        transformed = np.log1p(np.maximum(values, 0.0)) if name in LOGGED else values
        std = transformed.std() or 1.0
        columns.append(name)
        raw.append(values)
        x.append((transformed - transformed.mean()) / std)
    totals = {c: float(np.sum(v)) for c, v in data.category_shares.items()}
    for category in sorted(totals, key=lambda c: (-totals[c], c))[:TOP_CATEGORIES]:
        share = np.clip(np.asarray(data.category_shares[category], dtype=np.float64), 0, 1)
        columns.append(_column_name("category", category))
        raw.append(share)
        x.append(share)
    for kind in CODES:
        codes, values = _factorized(data.codes.get(kind, [""] * n))
        for code in _top(codes, values, TOP_VALUES[kind]):
            flag = (codes == code).astype(np.float64)
            columns.append(_column_name(kind, values[code]))
            raw.append(flag)
            x.append(flag)
    return _Matrix(
        np.column_stack(x).astype(np.float32), columns, np.column_stack(raw).astype(np.float32)
    )


def _assign(model: KMeans, x: np.ndarray) -> np.ndarray:
    return np.concatenate(
        [model.predict(x[start : start + CHUNK]) for start in range(0, len(x), CHUNK)]
    )


def personas_find(
    data: PersonaInput,
    *,
    k_range: Sequence[int] = (3, 4, 5, 6, 7),
    sample_cap: int = 20_000,
    silhouette_cap: int = 2_000,
    seed: int = 0,
) -> PersonaFit:
    """The personas of the base: k chosen by silhouette on a sample, everyone assigned. Needs at
    least as many buyers as the smallest k (else ValueError)."""
    n = data.n
    ks = [k for k in k_range if 2 <= k < n]
    if not ks:
        raise ValueError(f"{n} buyers are too few for personas")
    matrix = _matrix(data)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, sample_cap, replace=False)) if n > sample_cap else np.arange(n)
    xs = matrix.x[sample]
    models, scores = {}, {}
    with threadpool_limits(limits=1):  # a small sample: threads cost more than they give
        for k in ks:
            model = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(xs)
            models[k] = model
            if len(np.unique(model.labels_)) < 2:
                continue
            scores[k] = float(
                silhouette_score(
                    xs, model.labels_, sample_size=min(silhouette_cap, len(xs)), random_state=seed
                )
            )
    best = max(scores, key=lambda k: (scores[k], -k)) if scores else ks[0]
    cluster = _assign(models[best], matrix.x)
    counts = np.bincount(cluster, minlength=best)
    order = sorted(range(best), key=lambda c: (-counts[c], c))
    number_of = np.zeros(best, dtype=np.int64)
    for rank, c in enumerate(order, start=1):
        number_of[c] = rank
    labels = number_of[cluster]
    means = _cluster_means(matrix.raw, labels, best)
    centres = _cluster_means(matrix.x, labels, best)
    raw = matrix.raw
    base_mean = raw.mean(axis=0, dtype=np.float64)
    base_std = np.sqrt(np.maximum((raw.astype(np.float64) ** 2).mean(axis=0) - base_mean**2, 0))
    sizes = np.bincount(labels, minlength=best + 1)
    personas = [
        _persona(
            matrix.columns, rank, int(sizes[rank]), n, means[rank], centres[rank],
            base_mean, base_std,
        )
        for rank in range(1, best + 1)
        if sizes[rank] > 0
    ]
    return PersonaFit(personas, labels, best, scores.get(best), len(sample), scores)


def _cluster_means(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Row r: the mean of each column over the rows labelled r (r = 1..k; row 0 unused)."""
    sizes = np.maximum(np.bincount(labels, minlength=k + 1), 1)
    sums = np.column_stack(
        [np.bincount(labels, weights=x[:, j], minlength=k + 1) for j in range(x.shape[1])]
    )
    return sums / sizes[:, None]


def _persona(
    columns: list[str],
    number: int,
    size: int,
    n: int,
    mean: np.ndarray,
    centre_row: np.ndarray,
    base_mean: np.ndarray,
    base_std: np.ndarray,
) -> Persona:
    z = (mean - base_mean) / np.where(base_std > 0, base_std, 1.0)
    traits = []
    for i in np.argsort(-np.abs(z), kind="stable"):
        feature, _, value = columns[i].partition("=")
        if value and z[i] <= 0:
            continue  # "rarely in Bandung" says little; a code's trait is its presence
        traits.append(Trait(feature, value, float(mean[i]), float(base_mean[i]), float(z[i])))
    centre = {c: round(float(v), 6) for c, v in zip(columns, centre_row, strict=True)}
    return Persona(number, size, size / n, _figures(columns, mean), traits[:6], centre)


def _figures(columns: list[str], mean: np.ndarray) -> dict:
    """The persona's figures: the means of the numbers, and per kind of code (and for the
    categories) the most common value with its share."""
    figures: dict = {}
    for column, value in zip(columns, mean.tolist(), strict=True):
        feature, _, code = column.partition("=")
        if not code:
            figures[feature] = value
        elif value > figures.get(feature, {}).get("share", 0.0):
            figures[feature] = {"value": code, "share": value}
    return figures


def personas_match(
    previous: Sequence[Mapping[str, float]],
    current: Sequence[Mapping[str, float]],
    *,
    max_distance: float = 2.0,
) -> list[int | None]:
    """For each current centre, the index of the previous one it continues (None: a new
    persona). Columns one side lacks count as 0 there (a code value absent then)."""
    if not previous or not current:
        return [None] * len(current)
    columns = sorted({c for centre in [*previous, *current] for c in centre})
    a = np.array([[p.get(c, 0.0) for c in columns] for p in previous])
    b = np.array([[q.get(c, 0.0) for c in columns] for q in current])
    distance = np.sqrt(((b[:, None, :] - a[None, :, :]) ** 2).sum(axis=2))
    rows, cols = linear_sum_assignment(distance)
    matched: list[int | None] = [None] * len(current)
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        if distance[r, c] <= max_distance:
            matched[r] = c
    return matched
