"""Score a whole base (or a few customers against a stored base) from its event columns.

One pure function joins the pieces: features, BG/NBD + Gamma-Gamma (fitted here, or taken from
an earlier fit), RFM, CLV, loyalty, types, orientation, life-cycle stage and strategy. Its
result is columnar; the database layer stores it. Time unit: days throughout.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from daur.analytics.btyd import bgnbd, gamma_gamma
from daur.analytics.btyd._fit import FitError
from daur.analytics.clv import clv
from daur.analytics.events import (
    CustomerAttributes,
    InteractionEvents,
    LineEvents,
    OrderEvents,
    SurveyEvents,
    TicketEvents,
)
from daur.analytics.features import CustomerFeatures, customer_features
from daur.analytics.lifecycle import LifecycleResult, lifecycle_stage
from daur.analytics.loyalty import LoyaltyResult, loyalty_score
from daur.analytics.orientation import OrientationResult, orientation
from daur.analytics.rfm import quintile_scores, scores_by_edges, segment_of
from daur.analytics.rules_config import RulesConfig
from daur.analytics.strategy import StrategyResult, relationship_strategy
from daur.analytics.summary import summarise
from daur.analytics.typology import CustomerTypes, customer_types

# Below this many buyers (or repeat buyers) the models are not fitted: rules alone, said so.
MIN_BUYERS_TO_FIT = 30
MIN_REPEAT_BUYERS_TO_FIT = 10
HORIZON_90_DAYS = 90.0
HORIZON_12_MONTHS_DAYS = 365.0


class ScoringError(Exception):
    """A model fit failed on a base large enough to fit: previous scores should be kept."""


@dataclass(frozen=True)
class BaseEvents:
    customers: CustomerAttributes
    orders: OrderEvents
    lines: LineEvents
    interactions: InteractionEvents
    tickets: TicketEvents
    surveys: SurveyEvents
    margin_rate: np.ndarray  # per customer, from known product costs or the default


@dataclass(frozen=True)
class BaseScores:
    as_of_day: int
    features: CustomerFeatures
    loyalty: LoyaltyResult
    types: CustomerTypes
    orientation: OrientationResult
    stage: LifecycleResult
    strategy: StrategyResult
    rfm_r: np.ndarray  # 0 where the customer has not ordered
    rfm_f: np.ndarray
    rfm_m: np.ndarray
    rfm_segment: np.ndarray  # "" where not ordered
    p_alive: np.ndarray  # NaN where not scored
    expected_orders_90d: np.ndarray
    expected_order_value: np.ndarray
    clv_12m: np.ndarray
    fits: dict[str, Any]  # {"bgnbd": {...}, "ggamma": {...}} or {} (rules only)
    cuts: dict[str, Any]
    rules_only: bool
    message: str


def score_base(
    events: BaseEvents,
    *,
    as_of_day: int | None = None,
    config: RulesConfig | None = None,
    fits: Mapping[str, Any] | None = None,
    cuts: Mapping[str, Any] | None = None,
    patch_features: Callable[[CustomerFeatures], CustomerFeatures] | None = None,
) -> BaseScores:
    """Score every customer of `events`. With `fits` and `cuts` of an earlier run, nothing is
    fitted or ranked here: that is the O(1) real-time path for a single customer."""
    config = config or RulesConfig()
    features = customer_features(
        customers=events.customers,
        orders=events.orders,
        lines=events.lines,
        interactions=events.interactions,
        tickets=events.tickets,
        surveys=events.surveys,
        as_of_day=as_of_day,
        config=config,
    )
    if patch_features is not None:
        features = patch_features(features)
    as_of = features.as_of_day
    n = features.n_customers
    models = _models(events, as_of, n, fits)
    p_alive, exp90, exp12m, eov, clv_12m = models.columns
    rfm_r, rfm_f, rfm_m, rfm_cuts = _rfm(features, None if cuts is None else cuts.get("rfm"))
    loyalty = loyalty_score(features, p_alive, config)
    types = customer_types(
        features,
        p_alive,
        clv_12m,
        config,
        loyalty=loyalty,
        cuts=None if cuts is None else cuts["types"],
    )
    stage = lifecycle_stage(features, p_alive, config, loyalty=loyalty)
    strategy = relationship_strategy(
        features,
        stage,
        p_alive,
        clv_12m,
        types,
        config,
        expected_orders_12m=exp12m,
        cuts=None if cuts is None else cuts["strategy"],
    )
    segment = np.where(rfm_r > 0, segment_of(np.maximum(rfm_r, 1), np.maximum(rfm_f, 1)), "")
    return BaseScores(
        as_of_day=as_of,
        features=features,
        loyalty=loyalty,
        types=types,
        orientation=orientation(features, config),
        stage=stage,
        strategy=strategy,
        rfm_r=rfm_r,
        rfm_f=rfm_f,
        rfm_m=rfm_m,
        rfm_segment=segment,
        p_alive=p_alive,
        expected_orders_90d=exp90,
        expected_order_value=eov,
        clv_12m=clv_12m,
        fits=models.fits,
        cuts={
            "rfm": rfm_cuts,
            "types": {k: _json_number(v) for k, v in types.cuts.items()},
            "strategy": {k: _json_number(v) for k, v in strategy.cuts.items()},
        },
        rules_only=models.rules_only,
        message=models.message,
    )


@dataclass(frozen=True)
class _Models:
    columns: tuple[np.ndarray, ...]
    fits: dict[str, Any]
    rules_only: bool
    message: str


def _models(events: BaseEvents, as_of: int, n: int, fits: Mapping[str, Any] | None) -> _Models:
    """P(alive), expected orders (90 days, 12 months), expected order value and 12-month CLV."""
    nan = np.full(n, np.nan)
    orders = events.orders
    kept = (orders.ordered_day <= as_of) & (orders.amount > 0)
    if not kept.any():  # nobody has bought (a base of prospects, or one re-scored prospect)
        message = "" if fits else "no purchases yet: scored by the rules alone"
        return _Models((nan, nan, nan, nan, nan), dict(fits or {}), not fits, message)
    summary = summarise(
        orders.customer_index[kept],
        orders.ordered_day[kept].astype("datetime64[D]"),
        orders.amount[kept],
        calibration_end=np.datetime64(as_of, "D"),
        time_unit="day",
    )
    buyers = summary.customer_ids.astype(np.int64)
    x, t_x, T = summary.x, summary.t_x, summary.T
    message = ""
    if fits is None:
        repeat = int((x > 0).sum())
        if len(buyers) < MIN_BUYERS_TO_FIT or repeat < MIN_REPEAT_BUYERS_TO_FIT:
            message = (
                f"{len(buyers)} buyers, {repeat} with a repeat purchase: too few to fit the "
                f"models (at least {MIN_BUYERS_TO_FIT} and {MIN_REPEAT_BUYERS_TO_FIT}); "
                "scored by the rules alone, without P(alive) or CLV"
            )
            return _Models((nan, nan, nan, nan, nan), {}, True, message)
        # A customer who first bought on the as-of day has T = 0: nothing to learn from yet.
        aged = T > 0
        fits = _fit(x[aged], t_x[aged], T[aged], summary.mean_repeat_spend[aged])
        message = "; ".join(fits.pop("notes"))
    purchase, spend = fits["bgnbd"]["params"], fits["ggamma"]["params"]
    zbar = np.nan_to_num(summary.mean_repeat_spend, nan=0.0)
    columns = []
    for values in (
        bgnbd.p_alive(purchase, x, t_x, T),
        bgnbd.conditional_expected_purchases(purchase, HORIZON_90_DAYS, x, t_x, T),
        bgnbd.conditional_expected_purchases(purchase, HORIZON_12_MONTHS_DAYS, x, t_x, T),
        gamma_gamma.expected_order_value(spend, x, zbar),
    ):
        column = nan.copy()
        column[buyers] = values
        columns.append(column)
    value = clv(
        "bgnbd",
        purchase,
        x,
        t_x,
        T,
        columns[3][buyers],
        margin_rate=events.margin_rate[buyers],
        time_unit="day",
    )
    clv_12m = nan.copy()
    clv_12m[buyers] = value
    return _Models((*columns, clv_12m), dict(fits), False, message)


def _fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, zbar: np.ndarray) -> dict[str, Any]:
    try:
        purchase = bgnbd.fit(x, t_x, T)
        repeat = x > 0
        # gamma is a scale parameter: fitting on values in units of their median keeps it
        # inside the optimiser's bounds for any currency (IDR orders run into the millions).
        scale = float(np.median(zbar[repeat])) if repeat.any() else 1.0
        scale = scale if np.isfinite(scale) and scale > 0 else 1.0
        spend = gamma_gamma.fit(x[repeat], zbar[repeat] / scale)
    except FitError as error:
        raise ScoringError(f"the models could not be fitted: {error}") from error
    notes = []
    for result in (purchase, spend):
        usable = all(np.isfinite(v) and v > 0 for v in result.params.values())
        if result.converged:
            continue
        # A maximum on the edge of the parameter space (e.g. b -> infinity: no sign of dropout
        # in the data) is still the best fit there is; anything else is a failed fit.
        if usable and result.message.startswith("parameter at its bound"):
            notes.append(f"{result.model}: {result.message} (the data carry no evidence for it)")
            continue
        raise ScoringError(f"the {result.model} fit did not converge: {result.message}")
    records = {result.model: _fit_record(result) for result in (purchase, spend)}
    records["notes"] = notes
    records["ggamma"]["params"]["gamma"] *= scale
    records["ggamma"]["value_scale"] = scale  # the log-likelihood is of values / value_scale
    return records


def _json_number(value: float) -> float | str:
    """A cut-off as JSON can hold it: inf and nan as the strings float() reads back."""
    value = float(value)
    return value if np.isfinite(value) else str(value)


def _fit_record(result: Any) -> dict[str, Any]:
    return {
        "params": {k: float(v) for k, v in result.params.items()},
        "log_likelihood": float(result.log_likelihood),
        "converged": bool(result.converged),
        "n_customers": int(result.n_customers),
        "seconds": float(result.seconds),
        "time_unit": "day",
    }


def _rfm(
    features: CustomerFeatures, edges: Mapping[str, list[float]] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, list[float]]]:
    """RFM among buyers. Without `edges` the quintiles are ranked here; with them, each value
    gets the highest score whose lowest value (in the earlier ranking) it reaches."""
    buyer = features.order_count > 0
    oriented = {
        "r": -features.days_since_last_order,
        "f": features.order_count.astype(np.float64),
        "m": features.spend_total,
    }
    scores, new_edges = {}, {}
    for key, values in oriented.items():
        score = np.zeros(len(values), dtype=np.int8)
        if edges is None:
            ranked = quintile_scores(values[buyer]) if buyer.any() else np.zeros(0, np.int8)
            score[buyer] = ranked
            new_edges[key] = [
                float(values[buyer][ranked == s].min()) if (ranked == s).any() else None
                for s in range(1, 6)
            ]
        else:
            new_edges[key] = list(edges[key])
            score = scores_by_edges(values, edges[key], buyer)
        scores[key] = score
    return scores["r"], scores["f"], scores["m"], new_edges
