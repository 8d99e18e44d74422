"""Scoring a base in parts (ranges of customers), with the same result as scoring it whole.

`daur score --distributed` (docs/scale.md) reads each range of customers on a worker. What a
range's scores need from the rest of the base is small and adds up exactly:
1. `range_parts`: the models' fit inputs (`fit_inputs`), the distinct values (with counts) of
   every figure a cut-off ranks (RFM, volume, spend, order value), the referrals it made to
   customers elsewhere, the first buyers of its markets, the events after the as-of day;
2. the merge (`merge_parts`) fits the models once (`scoring_models.fit_from_inputs`);
3. `clv_counts`: each range's 12-month CLVs under that fit (from its buyers' summary, kept by
   the first phase: `buyer_rows`), which give the CLV cut-offs;
4. `cut_selections` and `base_cuts`: every cut-off as `score_base` stores it; then each range is
   scored with the fit, the cut-offs and its neighbourhood (`neighbourhood_patch`): from the
   features its first phase kept (`range_state`), or read again: `score_base(..., fits, cuts)`.
Value counts, not sketches: a cut-off is the exact order statistic the whole base would give.
The merge counts a figure's values by bin, and reads again only the bins the cut-offs fall in
(`rank_select`): its memory does not grow with the base's distinct values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from daur.analytics.events import NO_DAY
from daur.analytics.features import CustomerFeatures
from daur.analytics.fit_inputs import FitInputs, merge_fit_inputs
from daur.analytics.rank_select import Histogram, OrderStatistics, Wanted, selections
from daur.analytics.rules_config import RulesConfig
from daur.analytics.scoring import BaseEvents, Bought, buyer_summary, cut_value, features_of
from daur.analytics.scoring_models import BuyerSummary, model_columns

MARKET_KINDS = ("geo", "industry")
FOLD = 8  # ranges merged at once: the merge holds at most this many beside what it has merged
COUNTED = ("rfm_r", "rfm_f", "rfm_m", "units", "spend_units_unknown", "spend", "order_value")


@dataclass(frozen=True)
class ValueCounts(OrderStatistics):
    """Distinct values in ascending order, each with how many customers have it."""

    values: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray, among: np.ndarray) -> ValueCounts:
        pool = np.asarray(values, dtype=np.float64)[among]
        unique, counts = np.unique(pool[~np.isnan(pool)], return_counts=True)
        return cls(unique, counts.astype(np.int64))

    @classmethod
    def merged(cls, parts: Sequence[ValueCounts]) -> ValueCounts:
        values = np.concatenate([p.values for p in parts]) if parts else np.zeros(0)
        counts = np.concatenate([p.counts for p in parts]) if parts else np.zeros(0, np.int64)
        unique, inverse = np.unique(values, return_inverse=True)
        return cls(
            unique, np.bincount(inverse, weights=counts, minlength=unique.size).astype(np.int64)
        )

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def nth(self, position: int) -> float:
        """The value at 0-based `position` of the expanded values in ascending order."""
        ends = np.cumsum(self.counts)
        return float(self.values[np.searchsorted(ends, position, side="right")])

    def histogram(self) -> Histogram:
        return Histogram.of(self.values, self.counts)

    def quintile_edges(self) -> list[float | None]:
        """The lowest value of each RFM score 1-5 as `rfm.quintile_scores` ranks them."""
        m = self.total
        left = np.cumsum(self.counts) - self.counts
        right = left + self.counts
        scores = (5 * (left + right + 1) + 2 * m - 1) // (2 * m) if m else left
        edges: list[float | None] = []
        for s in range(1, 6):
            found = np.flatnonzero(scores == s)
            edges.append(float(self.values[found[0]]) if found.size else None)
        return edges


@dataclass(frozen=True)
class RangeParts:
    """What one range of customers gives the merge."""

    n_customers: int
    n_buyers: int
    events_after_as_of: dict[str, int]
    fit: FitInputs | None  # None without a buyer
    counts: dict[str, ValueCounts]
    # referrer id -> [referred customers known by the as-of day, of those who have ordered]
    referrals: dict[int, list[int]] = field(default_factory=dict)
    # market kind -> market key -> [first purchase day, buyers that day, buyers]
    markets: dict[str, dict[str, list[float]]] = field(default_factory=dict)


@dataclass(frozen=True)
class RangeContext:
    """The customers of a range as the database knows them beyond the event columns: their
    ids, their referrers' ids (-1 for none) and their market keys ("" for none)."""

    ids: np.ndarray
    referrer_ids: np.ndarray
    markets: Mapping[str, np.ndarray]


def range_parts(
    events: BaseEvents,
    context: RangeContext,
    *,
    as_of_day: int,
    first_day: int | None,
    config: RulesConfig,
    features: CustomerFeatures | None = None,
    bought: Bought | None = None,
) -> RangeParts:
    """What the range hands the merge (its `features` and `bought`, when the caller has them)."""
    f = features if features is not None else features_of(events, as_of_day, config)
    if bought is None:
        bought = buyer_summary(events, as_of_day)
    fit = None
    if bought is not None and first_day is not None:
        fit = bought.fit_inputs(events, first_day=first_day)
    return RangeParts(
        n_customers=f.n_customers,
        n_buyers=int((f.order_count > 0).sum()),
        events_after_as_of=dict(f.events_after_as_of),
        fit=fit,
        counts=_counts(f),
        referrals=_referrals_made(events, context, f),
        markets=_market_firsts(context, f),
    )


def _counts(f: CustomerFeatures) -> dict[str, ValueCounts]:
    buyer = f.order_count > 0
    units_known = buyer & ~np.isnan(f.units_total)
    return {
        "rfm_r": ValueCounts.of(-f.days_since_last_order, buyer),
        "rfm_f": ValueCounts.of(f.order_count.astype(np.float64), buyer),
        "rfm_m": ValueCounts.of(f.spend_total, buyer),
        "units": ValueCounts.of(f.units_total, units_known),
        "spend_units_unknown": ValueCounts.of(f.spend_total, buyer & ~units_known),
        "spend": ValueCounts.of(f.spend_total, buyer),
        "order_value": ValueCounts.of(f.avg_order_value, buyer),
    }


def _referrals_made(
    events: BaseEvents, context: RangeContext, f: CustomerFeatures
) -> dict[int, list[int]]:
    """As `features._referrals` counts them, by the referrer's id (which may be elsewhere)."""
    created = events.customers.created_day
    known = (created == NO_DAY) | (created <= f.as_of_day)
    counted = (context.referrer_ids >= 0) & (context.referrer_ids != context.ids) & known
    made: dict[int, list[int]] = {}
    for referrer, ordered in zip(
        context.referrer_ids[counted].tolist(), (f.order_count[counted] > 0).tolist(), strict=True
    ):
        entry = made.setdefault(int(referrer), [0, 0])
        entry[0] += 1
        entry[1] += int(ordered)
    return made


def _market_firsts(context: RangeContext, f: CustomerFeatures) -> dict[str, dict[str, list]]:
    """Per market its first purchase day in this range, the buyers that day and all buyers."""
    buyer = ~np.isnan(f.first_order_day)
    out: dict[str, dict[str, list]] = {}
    for kind in MARKET_KINDS:
        keys = context.markets[kind]
        rows = np.flatnonzero(buyer & (keys != ""))
        found: dict[str, list] = {}
        for key, day in zip(keys[rows].tolist(), f.first_order_day[rows].tolist(), strict=True):
            entry = found.get(key)
            if entry is None:
                found[key] = [day, 1, 1]
                continue
            entry[2] += 1
            if day < entry[0]:
                entry[0], entry[1] = day, 1
            elif day == entry[0]:
                entry[1] += 1
        out[kind] = found
    return out


@dataclass(frozen=True)
class MergedParts:
    n_customers: int
    n_buyers: int
    events_after_as_of: dict[str, int]
    fit: FitInputs | None
    counts: dict[str, Histogram]  # the ranked figures, counted by bin
    referrals: dict[int, list[int]]
    markets: dict[str, dict[str, list]]


def merge_parts(parts: Iterable[RangeParts]) -> MergedParts:
    """The whole base's parts from its ranges', read one at a time: every FOLD ranges are folded
    into what is merged so far (each merge is exact and associative); the ranked figures' values
    are only counted by bin (`rank_select.Histogram`): `cut_selections` reads them again."""
    merged: RangeParts | None = None
    pending: list[RangeParts] = []
    histograms = {name: Histogram.empty() for name in COUNTED}
    for part in parts:
        for name in COUNTED:
            histograms[name].add(part.counts[name].histogram())
        pending.append(replace(part, counts={}))
        if len(pending) == FOLD:
            merged = _combined([merged, *pending] if merged is not None else pending)
            pending = []
    if pending or merged is None:
        merged = _combined([merged, *pending] if merged is not None else pending)
    return MergedParts(
        n_customers=merged.n_customers,
        n_buyers=merged.n_buyers,
        events_after_as_of=merged.events_after_as_of,
        fit=merged.fit,
        counts=histograms,
        referrals=merged.referrals,
        markets=merged.markets,
    )


def _combined(parts: Sequence[RangeParts]) -> RangeParts:
    """Several ranges' parts as one range's (in their order)."""
    after: dict[str, int] = {}
    referrals: dict[int, list[int]] = {}
    markets: dict[str, dict[str, list]] = {kind: {} for kind in MARKET_KINDS}
    for part in parts:
        for kind, n in part.events_after_as_of.items():
            after[kind] = after.get(kind, 0) + int(n)
        for referrer, (known, ordered) in part.referrals.items():
            entry = referrals.setdefault(int(referrer), [0, 0])
            entry[0] += known
            entry[1] += ordered
        for kind, found in part.markets.items():
            for key, (day, at_first, buyers) in found.items():
                entry = markets[kind].get(key)
                if entry is None:
                    markets[kind][key] = [day, at_first, buyers]
                    continue
                entry[2] += buyers
                if day < entry[0]:
                    entry[0], entry[1] = day, at_first
                elif day == entry[0]:
                    entry[1] += at_first
    fits = [p.fit for p in parts if p.fit is not None]
    return RangeParts(
        n_customers=sum(p.n_customers for p in parts),
        n_buyers=sum(p.n_buyers for p in parts),
        events_after_as_of=after,
        fit=merge_fit_inputs(fits) if fits else None,
        counts={},  # counted by bin in `merge_parts`
        referrals=referrals,
        markets=markets,
    )


def buyer_rows(
    events: BaseEvents, *, as_of_day: int, bought: Bought | None = None
) -> dict[str, np.ndarray]:
    """What a range's buyers' CLVs are computed from once the base is fitted: their summary and
    margin rates (kept by the range's first phase, so that the CLVs need no second read)."""
    if bought is None:
        bought = buyer_summary(events, as_of_day)
    if bought is None:
        return {name: np.zeros(0) for name in (*BuyerSummary.__dataclass_fields__, "margin")}
    rows = {name: getattr(bought.summary, name) for name in BuyerSummary.__dataclass_fields__}
    rows["margin"] = events.margin_rate[bought.buyers]
    return rows


def clv_counts(rows: Mapping[str, np.ndarray], *, fits: Mapping[str, Any]) -> ValueCounts:
    """The 12-month CLVs of a range's buyers (`buyer_rows`) under the base's fit."""
    summary = BuyerSummary(**{k: v for k, v in rows.items() if k != "margin"})
    if summary.x.size == 0:
        return ValueCounts.of(np.zeros(0), np.zeros(0, bool))
    values = model_columns(fits, summary, rows["margin"]).clv_12m
    return ValueCounts.of(values, np.ones(values.size, bool))


def cut_selections(
    merged: MergedParts,
    clv: Histogram,
    config: RulesConfig,
    fits: Mapping[str, Any],
    values_again: Callable[[], Iterable[Mapping[str, ValueCounts]]],
) -> dict[str, OrderStatistics]:
    """The ranked figures' values the cut-offs read, exactly, in bounded memory: the ranks
    `base_cuts` asks for (learnt against the histograms' totals), then the bins holding them
    collected from every range's values, read again one range at a time (`values_again()`:
    per range its `ValueCounts` of each of COUNTED and of "clv")."""
    histograms = {**merged.counts, "clv": clv}
    wanted = {name: Wanted(h.total) for name, h in histograms.items()}
    base_cuts(wanted, config, fits)
    bins = {name: histograms[name].bins_for(w.positions) for name, w in wanted.items()}
    again = (
        {name: (counts[name].values, counts[name].counts) for name in histograms}
        for counts in values_again()
    )
    return dict(selections(histograms, bins, again))


def base_cuts(
    counts: Mapping[str, OrderStatistics], config: RulesConfig, fits: Mapping[str, Any]
) -> dict[str, Any]:
    """Every cut-off of the whole base, as `score_base` stores it (BaseScores.cuts), from the
    ranked figures' values (`counts`: each of COUNTED and "clv", the buyers' 12-month CLVs)."""
    c, types, strategy = counts, config.types, config.strategy
    clv = c["clv"]
    if "params" not in fits.get(fits.get("purchase_model") or "", {}):
        clv = ValueCounts.of(np.zeros(0), np.zeros(0, bool))  # no CLV without a purchase model
    return {
        "rfm": {key: c[f"rfm_{key}"].quintile_edges() for key in ("r", "f", "m")},
        "types": {
            "high_volume_units": cut_value(c["units"].top_share_cut(types.top_share)),
            "high_volume_spend": cut_value(c["spend_units_unknown"].top_share_cut(types.top_share)),
            "high_future_value": cut_value(clv.top_share_cut(types.top_share)),
            "affluent": cut_value(c["order_value"].top_share_cut(types.affluent_top_share)),
        },
        "strategy": {
            "past_value_top": cut_value(c["spend"].top_share_cut(strategy.value_top_share)),
            "clv_top": cut_value(clv.top_share_cut(strategy.value_top_share)),
            "small_order": cut_value(c["order_value"].bottom_share_cut(strategy.small_order_share)),
            "clv_median": cut_value(clv.median()),
        },
    }


def neighbourhood_patch(
    context: RangeContext, merged: MergedParts
) -> Callable[[CustomerFeatures], CustomerFeatures]:
    """The features a range cannot see alone: the referrals each of its customers made and the
    markets they opened, from the whole base's merge."""

    def patch(f: CustomerFeatures) -> CustomerFeatures:
        made = [merged.referrals.get(int(pk), (0, 0)) for pk in context.ids.tolist()]
        made_array = np.array(made, dtype=np.int64).reshape(-1, 2)
        opener = np.zeros(f.n_customers, bool)
        followers = np.zeros(f.n_customers, np.int64)
        buyer = ~np.isnan(f.first_order_day)
        for kind in MARKET_KINDS:
            markets = merged.markets.get(kind, {})
            for row in np.flatnonzero(buyer & (context.markets[kind] != "")).tolist():
                first_day, at_first, buyers = markets[context.markets[kind][row]]
                later = buyers - at_first
                if f.first_order_day[row] == first_day and later > 0:
                    opener[row] = True
                    followers[row] = max(followers[row], later)
        return replace(
            f,
            referrals_count=made_array[:, 0],
            converted_referrals=made_array[:, 1],
            door_opener=opener,
            door_opener_followers=followers,
        )

    return patch

