"""Score a whole base (or a few customers against a stored base) from its event columns.

One pure function joins the pieces: features, the purchase and spend models (fitted here, or
taken from an earlier run: `scoring_models`), RFM, CLV, loyalty, types, orientation, life-cycle
stage and strategy. It never fails for want of a model: a part that cannot be fitted is left to
the rules. Its result is columnar; the database layer stores it. Time unit: days throughout.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from daur.analytics.events import (
    CustomerAttributes,
    InteractionEvents,
    LineEvents,
    OrderEvents,
    SurveyEvents,
    TicketEvents,
)
from daur.analytics.features import CustomerFeatures, customer_features
from daur.analytics.fit_inputs import FitInputs, sample_keys
from daur.analytics.lifecycle import LifecycleResult, lifecycle_stage
from daur.analytics.loyalty import LoyaltyResult, loyalty_score
from daur.analytics.orientation import OrientationResult, orientation
from daur.analytics.rfm import quintile_scores, scores_by_edges, segment_of
from daur.analytics.rules_config import RulesConfig
from daur.analytics.scoring_models import (
    BuyerSummary,
    fit_from_inputs,
    fit_inputs_of,
    model_columns,
    purchase_model_of,
)
from daur.analytics.strategy import StrategyResult, relationship_strategy
from daur.analytics.summary import summarise
from daur.analytics.typology import CustomerTypes, customer_types


@dataclass(frozen=True)
class BaseEvents:
    customers: CustomerAttributes
    orders: OrderEvents
    lines: LineEvents
    interactions: InteractionEvents
    tickets: TicketEvents
    surveys: SurveyEvents
    margin_rate: np.ndarray  # per customer, from known product costs or the default
    # per customer, the key that draws the model test's sample (`fit_inputs.sample_keys` of
    # its id); None: from the row position
    sample_keys: np.ndarray | None = None


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
    fits: dict[str, Any]  # ScoringRun.fits (docs/scoring.md), {} where nobody has bought
    cuts: dict[str, Any]
    rules_only: bool
    message: str
    bought: Bought | None = None  # the buyers' summary the models read (score_base sets it)


def features_of(events: BaseEvents, as_of_day: int | None, config: RulesConfig) -> CustomerFeatures:
    """Every customer's features from the base's event columns."""
    return customer_features(
        customers=events.customers,
        orders=events.orders,
        lines=events.lines,
        interactions=events.interactions,
        tickets=events.tickets,
        surveys=events.surveys,
        as_of_day=as_of_day,
        config=config,
    )


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
    features = features_of(events, as_of_day, config)
    if patch_features is not None:
        features = patch_features(features)
    bought = buyer_summary(events, features.as_of_day)
    scores = score_features(
        features,
        buyers=None if bought is None else (bought.buyers, bought.summary),
        fit_inputs=None if bought is None else (lambda: bought.fit_inputs(events)),
        margin_rate=events.margin_rate,
        config=config,
        fits=fits,
        cuts=cuts,
    )
    return replace(scores, bought=bought)


def score_features(
    features: CustomerFeatures,
    *,
    buyers: tuple[np.ndarray, BuyerSummary] | None,
    fit_inputs: Callable[[], FitInputs] | None,
    margin_rate: np.ndarray,
    config: RulesConfig,
    fits: Mapping[str, Any] | None = None,
    cuts: Mapping[str, Any] | None = None,
) -> BaseScores:
    """Score a base from its features and its buyers (rows, summary): the models (fitted from
    `fit_inputs()` unless `fits` are given), the ranks and the rules. `score_base` reads them
    from the events; an incremental run (`incremental`) from its moved-on state."""
    as_of = features.as_of_day
    n = features.n_customers
    models = _models(buyers, fit_inputs, margin_rate, as_of, n, fits)
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
            "types": {k: cut_value(v) for k, v in types.cuts.items()},
            "strategy": {k: cut_value(v) for k, v in strategy.cuts.items()},
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


def _models(
    bought: tuple[np.ndarray, BuyerSummary] | None,
    fit_inputs: Callable[[], FitInputs] | None,
    margin_rate: np.ndarray,
    as_of: int,
    n: int,
    fits: Mapping[str, Any] | None,
) -> _Models:
    """P(alive), expected orders (90 days, 12 months), expected order value and 12-month CLV.

    Without `fits` the models are fitted here (`scoring_models.fit_from_inputs`); a part that cannot
    be fitted leaves its columns to the rules, never the run."""
    nan = np.full(n, np.nan)
    if bought is None or fit_inputs is None:  # nobody has bought (prospects, one prospect)
        message = "" if fits else "no purchases yet: scored by the rules alone"
        rules_only = purchase_model_of(fits) is None if fits else True
        return _Models((nan, nan, nan, nan, nan), dict(fits or {}), rules_only, message)
    buyers, summary = bought
    message = ""
    if fits is None:
        fits = fit_from_inputs(fit_inputs(), as_of)
        message = "; ".join(fits["notes"])
    values = model_columns(fits, summary, margin_rate[buyers])
    columns = []
    for column in (
        values.p_alive,
        values.expected_orders_90d,
        values.expected_orders_12m,
        values.expected_order_value,
        values.clv_12m,
    ):
        full = nan.copy()
        full[buyers] = column
        columns.append(full)
    return _Models(tuple(columns), dict(fits), purchase_model_of(fits) is None, message)


@dataclass(frozen=True)
class Bought:
    """The buyers of a base as of a day: their rows, summary and the purchases it came from."""

    buyers: np.ndarray  # row positions
    summary: BuyerSummary
    customer: np.ndarray  # per kept purchase: row, day, amount
    day: np.ndarray
    amount: np.ndarray
    as_of: int

    def fit_inputs(self, events: BaseEvents, first_day: int | None = None) -> FitInputs:
        keys = events.sample_keys
        if keys is None:
            keys = sample_keys(np.arange(len(events.margin_rate)))
        return fit_inputs_of(
            self.summary, self.customer, self.day, self.amount, self.as_of,
            keys=keys, first_day=first_day,
        )


def buyer_summary(events: BaseEvents, as_of: int) -> Bought | None:
    """The purchases (amount > 0) up to `as_of` summarised per buyer; None without any."""
    orders = events.orders
    kept = (orders.ordered_day <= as_of) & (orders.amount > 0)
    if not kept.any():
        return None
    customer, day = orders.customer_index[kept], orders.ordered_day[kept].astype(np.int64)
    amount = orders.amount[kept]
    summary = summarise(
        customer,
        day.astype("datetime64[D]"),
        amount,
        calibration_end=np.datetime64(as_of, "D"),
        time_unit="day",
    )
    return Bought(
        buyers=summary.customer_ids.astype(np.int64),
        summary=BuyerSummary(
            x=summary.x,
            t_x=summary.t_x,
            T=summary.T,
            mean_repeat_spend=summary.mean_repeat_spend,
            total_spend=summary.total_spend,
            order_days=summary.order_count,
        ),
        customer=customer,
        day=day,
        amount=amount,
        as_of=as_of,
    )


def cut_value(value: float) -> float | str:
    """A cut-off as JSON can hold it: inf and nan as the strings float() reads back."""
    value = float(value)
    return value if np.isfinite(value) else str(value)


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
