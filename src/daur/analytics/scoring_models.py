"""The model part of scoring: fit the purchase and spend models on a base (or take an earlier
run's fits) and turn them into P(alive), expected orders, expected order value and CLV.

The two parts degrade separately and never take scoring down:
- purchase (P(alive), expected orders, CLV): the model chosen by the holdout test
  (`model_choice`); where it cannot be fitted on the whole base the next choosable one; where
  none can, these columns are left empty (the rules alone) and the run says so.
- spend (expected order value): Gamma-Gamma, with a one-time buyer's one order as one
  observation, shrunk to a finite population mean (`expected_order_value`); where it cannot be
  fitted, each customer's own mean order value.
CLV needs both, and is computed whenever the purchase part is there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from daur.analytics.btyd import gamma_gamma, purchase_model
from daur.analytics.btyd._fit import SufficientStats, collapse_rows
from daur.analytics.clv import clv
from daur.analytics.fit_inputs import (
    CalibrationSample,
    FitInputs,
    SpendRows,
    buyer_stats,
    sample_keys,
    spend_rows,
)
from daur.analytics.fit_outcome import (
    MIN_BUYERS_TO_FIT,
    MIN_REPEAT_BUYERS_TO_FIT,
    attempt,
    fallback_of,
    fit_record,
    json_number,
)
from daur.analytics.model_choice import (
    DEFAULT_MODEL,
    calibration_sample,
    fit_candidate,
    select_from_sample,
)

HORIZON_90_DAYS = 90.0
HORIZON_12_MONTHS_DAYS = 365.0
# The spend model's population mean p * gamma / (q - 1) is used when it is finite and within
# this factor of the repeat buyers' mean order value; else that empirical mean is the anchor
# (q <= 1 makes the model's mean infinite, q just above 1 makes it absurd).
POPULATION_MEAN_MAX_RATIO = 2.0
_COLLAPSE_FROM = 256


@dataclass(frozen=True)
class BuyerSummary:
    """Per buyer (as of the as-of day): repeat purchases x, recency t_x and age T in days, the
    mean repeat order value (NaN where x = 0), total spend and purchase days."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    mean_repeat_spend: np.ndarray
    total_spend: np.ndarray
    order_days: np.ndarray


@dataclass(frozen=True)
class ModelColumns:
    p_alive: np.ndarray
    expected_orders_90d: np.ndarray
    expected_orders_12m: np.ndarray
    expected_order_value: np.ndarray
    clv_12m: np.ndarray


def fit_base(
    s: BuyerSummary,
    customer: np.ndarray,
    day: np.ndarray,
    amount: np.ndarray,
    as_of_day: int,
    *,
    keys: np.ndarray | None = None,
) -> dict[str, Any]:
    """Fit both parts on a base: the stored ScoringRun.fits (docs/scoring.md). `keys`: the
    customers' sample keys by customer index (`fit_inputs.sample_keys` of their ids)."""
    return fit_from_inputs(fit_inputs_of(s, customer, day, amount, as_of_day, keys=keys), as_of_day)


def fit_inputs_of(
    s: BuyerSummary,
    customer: np.ndarray,
    day: np.ndarray,
    amount: np.ndarray,
    as_of_day: int,
    *,
    keys: np.ndarray | None = None,
    first_day: int | None = None,
) -> FitInputs:
    """What the fit reads from these buyers (`first_day`: the whole base's first purchase day,
    when these are only part of it)."""
    first_day = int(day.min()) if first_day is None else int(first_day)
    if keys is None:
        keys = sample_keys(np.arange(int(customer.max()) + 1 if customer.size else 0))
    return fit_inputs_from(
        s,
        first_day,
        calibration_sample(customer, day, amount, as_of_day, first_day=first_day, keys=keys),
    )


def fit_inputs_from(
    s: BuyerSummary, first_day: int, calibration: CalibrationSample | None
) -> FitInputs:
    """The fit's inputs from all buyers' summary and the holdout test's sample."""
    return FitInputs(
        first_day=int(first_day),
        buyers=buyer_stats(s.x, s.t_x, s.T),
        spend=spend_rows(s.x, s.mean_repeat_spend),
        calibration=calibration,
    )


def fit_from_inputs(inputs: FitInputs, as_of_day: int) -> dict[str, Any]:
    """Fit both parts from the inputs of a base (or merged from its parts)."""
    fits: dict[str, Any] = {"purchase_model": None, "fallbacks": [], "notes": []}
    b = inputs.buyers
    buyers, repeat = int(b.weights.sum()), int(b.weights[b.x > 0].sum())
    if buyers < MIN_BUYERS_TO_FIT or repeat < MIN_REPEAT_BUYERS_TO_FIT:
        reason = (
            f"{buyers} buyers, {repeat} with a repeat purchase: too few to fit the purchase "
            f"models (at least {MIN_BUYERS_TO_FIT} and {MIN_REPEAT_BUYERS_TO_FIT}); scored by "
            "the rules alone, without P(alive), expected orders or CLV"
        )
        _purchase_fails(fits, DEFAULT_MODEL, reason)
    else:
        _purchase_fit(fits, inputs, as_of_day)
    _spend_fit(fits, inputs.spend)
    return fits


def _purchase_fails(fits: dict[str, Any], model: str, reason: str) -> None:
    fits["purchase_model"] = None
    _left_to_rules(fits, "purchase", model, reason)


def _left_to_rules(fits: dict[str, Any], part: str, model: str, reason: str) -> None:
    """A part whose model cannot be used: the rules (or own means) take over; the run says why."""
    fits["fallbacks"].append({"part": part, "model": model, "step": "rules", "reason": reason})
    fits["notes"].append(reason)


def _record_fit_fallback(fits: dict[str, Any], part: str, model: str, result: Any) -> None:
    """For a usable fit that Newton alone did not produce: the step that did, and why."""
    fallback = fallback_of(part, model, result)
    if fallback is not None:
        fits["fallbacks"].append(fallback)
        fits["notes"].append(f"{model}: {fallback['reason']} ({fallback['step']})")


def _purchase_fit(fits, inputs: FitInputs, as_of_day: int) -> None:
    selection = select_from_sample(inputs.calibration, inputs.first_day, as_of_day)
    b = inputs.buyers
    aged = b.T > 0  # a first purchase on the as-of day: nothing to learn from yet
    fits["selection"], fits["calibration_plot"] = selection.record, selection.plot
    # On the whole base only the models needed: the ranking's best that can be fitted there
    # (the others were compared in the test, on the calibration period).
    results, failures = {}, {}
    for name in selection.ranking:
        result, failure = fit_candidate(name, b.x[aged], b.t_x[aged], b.T[aged], b.weights[aged])
        if result is not None and not _predicts_finite(name, result.params, b):
            result, failure = None, "its predictions are not finite numbers on this base"
        if result is None:
            fits[name], failures[name] = {"failed": failure}, failure
        else:
            fits[name], results[name] = fit_record(result), result
            break
    chosen = next((m for m in selection.ranking if m in results), None)
    tried = selection.ranking[: selection.ranking.index(chosen)] if chosen else selection.ranking
    skipped = "; ".join(f"{m} could not be fitted on the whole base ({failures[m]})" for m in tried)
    if chosen is None:
        _purchase_fails(
            fits, selection.ranking[0],
            f"{skipped}: P(alive), expected orders and CLV left empty (the rules alone)",
        )
        return
    fits["purchase_model"] = chosen
    if skipped:
        selection.record["chosen"] = chosen
        selection.record["reason"] += f"; {skipped}: {chosen} instead"
    fits["notes"].append(f"purchase model {chosen}: {selection.record['reason']}")
    _record_fit_fallback(fits, "purchase", chosen, results[chosen])


def _predicts_finite(name: str, params: Mapping[str, float], b: SufficientStats) -> bool:
    """Whether a usable fit gives every buyer a finite P(alive) and 12-month expectation (an
    extreme fit can overflow a special function for some rows)."""
    module = purchase_model(name)
    rows = (b.x, b.t_x, b.T)
    with np.errstate(all="ignore"):
        alive = module.p_alive(params, *rows)
        later = module.expected_purchases_if_alive(params, HORIZON_12_MONTHS_DAYS, rows[0], rows[2])
    return bool(np.isfinite(alive).all() and np.isfinite(later).all())


def _spend_fit(fits: dict[str, Any], spend: SpendRows) -> None:
    repeat = int(spend.weights.sum())
    reason = ""
    if repeat < MIN_REPEAT_BUYERS_TO_FIT:
        reason = (
            f"{repeat} customers with a repeat purchase: too few to fit the spend "
            f"model (at least {MIN_REPEAT_BUYERS_TO_FIT})"
        )
        result = None
    else:
        # gamma is a scale parameter: fitting on values in units of their median keeps it
        # inside the optimiser's bounds for any currency (IDR orders run into the millions).
        scale = spend.median()
        scale = scale if math.isfinite(scale) and scale > 0 else 1.0
        weights = spend.weights
        result, reason = attempt(
            lambda x, z: gamma_gamma.fit(x, z, weights=weights), spend.x, spend.zbar / scale
        )
    if result is None:
        reason = f"ggamma: {reason}; expected order value = each customer's own mean order value"
        fits["ggamma"] = {"failed": reason}
        _left_to_rules(fits, "spend", "ggamma", reason)
        return
    record = fit_record(result)
    record["params"]["gamma"] *= scale
    if record["standard_errors"].get("gamma") is not None:
        record["standard_errors"]["gamma"] *= scale
    record["value_scale"] = scale  # the log-likelihood is of values / value_scale
    empirical = spend.mean()
    mean, why = population_mean(record["params"], empirical)
    record["population_mean"] = json_number(mean)
    fits["ggamma"] = record
    if why:
        fits["notes"].append(why)
    _record_fit_fallback(fits, "spend", "ggamma", result)


def population_mean(params: Mapping[str, float], empirical: float) -> tuple[float, str]:
    """The finite mean order value a customer's expected value is shrunk to, and a note when it
    is not the model's own p * gamma / (q - 1)."""
    p, q, g = params["p"], params["q"], params["gamma"]
    model = p * g / (q - 1.0) if q > 1.0 else math.inf
    ratio = model / empirical if empirical > 0 else math.inf
    if 1.0 / POPULATION_MEAN_MAX_RATIO <= ratio <= POPULATION_MEAN_MAX_RATIO:
        return model, ""
    shown = "infinite" if not math.isfinite(model) else f"{model:,.2f}"
    return empirical, (
        f"ggamma: the model's population mean order value ({shown}, q = {q:.3g}) is not "
        f"believable beside the repeat buyers' mean {empirical:,.2f}; that mean is used instead"
    )


def expected_order_value(
    spend: Mapping[str, Any] | None, s: BuyerSummary
) -> np.ndarray:
    """E[order value] per buyer.

    Gamma-Gamma's posterior mean p (gamma + x m) / (p x + q - 1), with q set so that the
    population mean p gamma / (q - 1) is the finite one stored with the fit: the repeat buyers'
    x and mean repeat order value m; a one-time buyer's one order as one observation (x = 1,
    m = that order). Without a usable spend fit: each buyer's own mean order value.
    """
    own_mean = s.total_spend / np.maximum(s.order_days, 1)
    mean = _stored_population_mean(spend)
    if mean is None:
        return own_mean
    p, g = float(spend["params"]["p"]), float(spend["params"]["gamma"])
    one_time = s.x == 0
    x = np.where(one_time, 1.0, s.x)
    m = np.where(one_time, s.total_spend, s.mean_repeat_spend)
    value = p * (g + x * m) / (p * x + p * g / mean)
    return np.where(np.isfinite(value), value, own_mean)


def _stored_population_mean(spend: Mapping[str, Any] | None) -> float | None:
    """The stored finite population mean; for a run stored before it was, the model's own
    mean where finite; None without a usable fit."""
    if not spend or "params" not in spend:
        return None
    mean = spend.get("population_mean")
    if mean is None:
        p, q, g = (float(spend["params"][k]) for k in ("p", "q", "gamma"))
        mean = p * g / (q - 1.0) if q > 1.0 else None
    return float(mean) if mean is not None and math.isfinite(mean) and mean > 0 else None


def purchase_model_of(fits: Mapping[str, Any]) -> str | None:
    """The purchase model a run scored with; a run stored before the choice had only BG/NBD."""
    if "purchase_model" in fits:
        name = fits["purchase_model"]
    else:
        name = "bgnbd" if "bgnbd" in fits else None
    if name is None or "params" not in fits.get(name, {}):
        return None
    return str(name)


def model_columns(
    fits: Mapping[str, Any], s: BuyerSummary, margin_rate: np.ndarray
) -> ModelColumns:
    """The model columns per buyer from stored fits (empty where the purchase part is)."""
    n = s.x.size
    eov = expected_order_value(fits.get("ggamma"), s)
    name = purchase_model_of(fits)
    if name is None:
        nan = np.full(n, np.nan)
        return ModelColumns(nan, nan, nan.copy(), eov, nan.copy())
    module, params = purchase_model(name), fits[name]["params"]
    with np.errstate(all="ignore"):
        if n < _COLLAPSE_FROM:
            rows, inverse = (s.x, s.t_x, s.T), np.arange(n)
        else:
            rows, _, inverse = collapse_rows(s.x, s.t_x, s.T)
        alive = module.p_alive(params, *rows)
        exp90, exp12m = (
            alive * module.expected_purchases_if_alive(params, days, rows[0], rows[2])
            for days in (HORIZON_90_DAYS, HORIZON_12_MONTHS_DAYS)
        )
        value = clv(name, params, s.x, s.t_x, s.T, eov, margin_rate=margin_rate, time_unit="day")
    return ModelColumns(alive[inverse], exp90[inverse], exp12m[inverse], eov, value)
