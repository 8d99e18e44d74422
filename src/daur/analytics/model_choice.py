"""Which purchase model scores a base: a calibration/holdout test on the base itself (SPEC §2).

The order history is split at a calibration end: the holdout is the last
max(HOLDOUT_MIN_DAYS, span / 3) days before the as-of day (span: from the first order to the
as-of day, in whole days). Each candidate model is fitted on the calibration summary (x, t_x, T
at the calibration end of the customers who first bought before it), predicts each of them's
repeat purchases in the holdout, and is compared with what the customer did: the candidate with
the lowest mean absolute error is chosen.

BG/NBD is fitted and tested for comparison but never chosen: it holds every customer without a
repeat purchase alive (P(alive) = 1 however long ago the one order was), which a CRM acting on
P(alive) must not do. The choice is between MBG/NBD and Pareto/NBD, where one-time buyers'
P(alive) falls with time since their order. Where the test cannot run (a history shorter than
MIN_SPAN_DAYS, too few calibration buyers) MBG/NBD is the default, with the reason recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from daur.analytics.btyd import purchase_model
from daur.analytics.btyd._fit import collapse_rows
from daur.analytics.fit_inputs import CalibrationSample, sample_keys
from daur.analytics.fit_outcome import (
    MIN_BUYERS_TO_FIT,
    MIN_REPEAT_BUYERS_TO_FIT,
    attempt,
    json_number,
)
from daur.analytics.summary import summarise

CANDIDATES = ("bgnbd", "mbgnbd", "pareto")
CHOOSABLE = ("mbgnbd", "pareto")
DEFAULT_MODEL = "mbgnbd"
DEFAULT_RANKING = (DEFAULT_MODEL, *(m for m in CHOOSABLE if m != DEFAULT_MODEL))
HOLDOUT_MIN_DAYS = 90
HOLDOUT_SHARE = 1.0 / 3.0
# The calibration period must be at least as long as the shortest holdout.
MIN_SPAN_DAYS = 2 * HOLDOUT_MIN_DAYS
PLOT_MAX_FREQUENCY = 7  # the calibration plot's last bin is "7+"
# The test fits every candidate: on a larger base it runs on a sample of TEST_MAX_CUSTOMERS
# customers (those with the smallest sample keys: `fit_inputs`), plenty to rank the models'
# holdout errors.
# Below this many rows, predictions are computed per customer rather than per distinct row.
_COLLAPSE_FROM = 256

Fitter = Callable[[str, np.ndarray, np.ndarray, np.ndarray], tuple[Any | None, str]]


@dataclass(frozen=True)
class Selection:
    """The test's record (ScoringRun.fits["selection"]), its calibration plot (or None when the
    test could not run) and the choosable models, best first."""

    record: dict[str, Any]
    plot: dict[str, Any] | None
    ranking: tuple[str, ...]


def holdout_split(first_day: int, as_of_day: int) -> tuple[int, int]:
    """(calibration end day, holdout days) for a history from `first_day` to `as_of_day`."""
    span = as_of_day - first_day
    holdout = max(HOLDOUT_MIN_DAYS, int(round(span * HOLDOUT_SHARE)))
    return as_of_day - holdout, holdout


def fit_candidate(
    name: str, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray | None = None
):
    """Fit one purchase model (on rows counting `weights` customers each); (the fit, "") or
    (None, why it failed)."""
    fit = purchase_model(name).fit
    return attempt(lambda *rows: fit(*rows, weights=weights), x, t_x, T)


def calibration_sample(
    customer: np.ndarray,
    day: np.ndarray,
    amount: np.ndarray,
    as_of_day: int,
    *,
    first_day: int,
    keys: np.ndarray,
) -> CalibrationSample | None:
    """The holdout test's sample of these purchases (customer index, day number, amount > 0;
    `keys[i]` the sample key of customer index i), with the history starting at `first_day`
    (the whole base's first purchase); None when that history is too short for a test."""
    calibration_end, _ = holdout_split(first_day, as_of_day)
    if as_of_day - first_day < MIN_SPAN_DAYS:
        return None
    empty = np.zeros(0)
    if customer.size == 0 or int(day.min()) > calibration_end:
        return CalibrationSample.of(empty.astype(np.uint64), empty, empty, empty, empty, 0)
    summary = summarise(
        customer,
        day.astype("datetime64[D]"),
        amount,
        calibration_end=np.datetime64(calibration_end, "D"),
        holdout_end=np.datetime64(as_of_day, "D"),
        time_unit="day",
    )
    # A customer whose first order is on the calibration end has nothing to learn from yet.
    aged = np.flatnonzero(summary.T > 0)
    return CalibrationSample.of(
        keys[summary.customer_ids[aged].astype(np.int64)],
        summary.x[aged],
        summary.t_x[aged],
        summary.T[aged],
        summary.holdout_x[aged].astype(np.float64),
        aged.size,
    )


def select_purchase_model(
    customer: np.ndarray,
    day: np.ndarray,
    amount: np.ndarray,
    as_of_day: int,
    fitter: Fitter = fit_candidate,
    *,
    keys: np.ndarray | None = None,
) -> Selection:
    """Run the holdout test on the purchases (customer index, day number, amount > 0) up to
    `as_of_day`; `fitter(name, x, t_x, T)` fits a candidate; `keys` are the customers' sample
    keys (by default from their index)."""
    first_day = int(day.min())
    if keys is None:
        keys = sample_keys(np.arange(int(customer.max()) + 1 if customer.size else 0))
    sample = calibration_sample(
        customer, day, amount, as_of_day, first_day=first_day, keys=keys
    )
    return select_from_sample(sample, first_day, as_of_day, fitter)


def select_from_sample(
    sample: CalibrationSample | None,
    first_day: int,
    as_of_day: int,
    fitter: Fitter = fit_candidate,
) -> Selection:
    """The holdout test on a calibration sample (`calibration_sample`, or merged from parts)."""
    calibration_end, holdout_days = holdout_split(first_day, as_of_day)
    record: dict[str, Any] = {
        "calibration_end_day": calibration_end,
        "holdout_days": holdout_days,
        "n_customers": 0,
        "metric": "holdout_mae",
        "candidates": {},
        "chosen": DEFAULT_MODEL,
        "reason": "",
    }
    default = Selection(record, None, DEFAULT_RANKING)
    span = as_of_day - first_day
    if sample is None:
        record["reason"] = (
            f"a history of {span} days is too short for a holdout test (at least "
            f"{MIN_SPAN_DAYS}): {DEFAULT_MODEL} by default"
        )
        return default
    if sample.n_aged > sample.x.size:
        record["sampled_from"] = sample.n_aged
    x, t_x, T, actual = sample.x, sample.t_x, sample.T, sample.holdout_x
    record["n_customers"] = int(x.size)
    repeat = int((x > 0).sum())
    if x.size < MIN_BUYERS_TO_FIT or repeat < MIN_REPEAT_BUYERS_TO_FIT:
        record["reason"] = (
            f"{x.size} customers bought before the calibration end, {repeat} of them again: too "
            f"few for a holdout test (at least {MIN_BUYERS_TO_FIT} and "
            f"{MIN_REPEAT_BUYERS_TO_FIT}): {DEFAULT_MODEL} by default"
        )
        return default
    predicted: dict[str, np.ndarray] = {}
    for name in CANDIDATES:
        result, failure = fitter(name, x, t_x, T)
        if result is None:
            record["candidates"][name] = {"failed": failure}
            continue
        with np.errstate(all="ignore"):
            guess = _predict(name, result.params, float(holdout_days), x, t_x, T)
        if not np.isfinite(guess).all():
            record["candidates"][name] = {"failed": "non-finite holdout predictions"}
            continue
        predicted[name] = guess
        error = guess - actual
        record["candidates"][name] = {
            "holdout_mae": float(np.mean(np.abs(error))),
            "holdout_rmse": float(np.sqrt(np.mean(error * error))),
            "holdout_predicted": float(guess.sum()),
            "holdout_actual": float(actual.sum()),
            "log_likelihood": json_number(result.log_likelihood),
            "converged": bool(result.converged),
        }
    tested = sorted(
        (m for m in CHOOSABLE if m in predicted),
        key=lambda m: record["candidates"][m]["holdout_mae"],
    )
    ranking = (*tested, *(m for m in DEFAULT_RANKING if m not in tested))
    record["chosen"] = ranking[0]
    if tested:
        record["reason"] = "lowest holdout error"
    else:
        record["reason"] = (
            f"no candidate could be fitted on the calibration period: {DEFAULT_MODEL} by default"
        )
    return Selection(record, calibration_plot(x, actual, predicted), ranking)


def _predict(name: str, params, holdout_days: float, x, t_x, T) -> np.ndarray:
    """Each customer's expected repeat purchases in the holdout, computed per distinct row."""
    module = purchase_model(name)
    if x.size < _COLLAPSE_FROM:
        return module.conditional_expected_purchases(params, holdout_days, x, t_x, T)
    (ux, ut, uT), _, inverse = collapse_rows(x, t_x, T)
    return module.conditional_expected_purchases(params, holdout_days, ux, ut, uT)[inverse]


def calibration_plot(
    x: np.ndarray, actual: np.ndarray, predicted: dict[str, np.ndarray]
) -> dict[str, Any]:
    """Mean actual and predicted holdout purchases by calibration repeat purchases 0..7+ (the
    figures of the BG/NBD paper); an empty bin's means are null."""
    bins = np.minimum(x, PLOT_MAX_FREQUENCY).astype(np.int64)
    size = PLOT_MAX_FREQUENCY + 1
    count = np.bincount(bins, minlength=size).astype(np.float64)

    def means(values: np.ndarray) -> list[float | None]:
        totals = np.bincount(bins, weights=values, minlength=size)
        return [json_number(t / c) if c else None for t, c in zip(totals, count)]

    return {
        "frequency": list(range(size)),
        "customers": [int(c) for c in count],
        "actual": means(actual),
        "predicted": {
            name: means(predicted[name]) if name in predicted else [None] * size
            for name in CANDIDATES
        },
    }
