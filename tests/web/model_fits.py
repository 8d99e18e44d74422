"""`ScoringRun.fits` in the shape `daur score` stores, built from real fits on a simulated base.

A BG/NBD population (daily time unit) is simulated purchase by purchase over a calibration
period and a holdout; the three purchase models are fitted on the calibration period and judged
on the holdout, then refitted on the whole period as scoring does, with Gamma-Gamma on spend.
"""

from __future__ import annotations

import functools

import numpy as np

from daur.analytics.btyd import gamma_gamma, purchase_model

TRUE_PURCHASE = {"r": 0.6, "alpha": 40.0, "a": 0.7, "b": 3.0}
TRUE_SPEND = {"p": 6.0, "q": 4.0, "gamma": 600_000.0}
HOLDOUT_DAYS = 120
CALIBRATION_END_DAY = 20_000  # 2024-10-04 as days since 1970-01-01
CANDIDATES = ("bgnbd", "mbgnbd", "pareto")
TOP_BIN = 7


def _simulate(n: int, seed: int):
    """Per customer: repeat purchases and last one in the calibration period, its age there, and
    repeat purchases in the holdout, from BG/NBD purchase times."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(90, 400, n).round()
    end = T + HOLDOUT_DAYS
    rate = rng.gamma(TRUE_PURCHASE["r"], 1 / TRUE_PURCHASE["alpha"], n)
    drop = rng.beta(TRUE_PURCHASE["a"], TRUE_PURCHASE["b"], n)
    x, t_x, x_all, t_x_all, holdout = (np.zeros(n) for _ in range(5))
    for i in range(n):
        arrivals = np.sort(rng.uniform(0, end[i], rng.poisson(rate[i] * end[i])))
        arrivals = np.ceil(arrivals[: rng.geometric(drop[i])])  # purchases on whole days
        before = arrivals[arrivals <= T[i]]
        x[i], t_x[i] = before.size, before[-1] if before.size else 0.0
        x_all[i], t_x_all[i] = arrivals.size, arrivals[-1] if arrivals.size else 0.0
        holdout[i] = arrivals.size - before.size
    return x, t_x, T, x_all, t_x_all, end, holdout


def fit_record(result) -> dict:
    """A FitResult as `daur score` stores it (non-finite numbers as null)."""

    def number(value):
        value = float(value)
        return value if np.isfinite(value) else None

    return {
        "params": {k: number(v) for k, v in result.params.items()},
        "standard_errors": {k: number(v) for k, v in result.standard_errors.items()},
        "log_likelihood": number(result.log_likelihood),
        "converged": bool(result.converged),
        "method": getattr(result, "method", "newton" if result.converged else "boundary"),
        "message": result.message,
        "n_customers": int(result.n_customers),
        "iterations": int(result.iterations),
        "seconds": float(result.seconds),
        "time_unit": "day",
    }


@functools.lru_cache(maxsize=1)
def full_fits(n: int = 500, seed: int = 11) -> dict:
    """The fits of a simulated base in the contract's full shape (computed once)."""
    x, t_x, T, x_all, t_x_all, T_all, holdout = _simulate(n, seed)
    fits: dict = {}
    candidates, predicted = {}, {}
    bins = np.minimum(x, TOP_BIN)
    for code in CANDIDATES:
        model = purchase_model(code)
        calibration = model.fit(x, t_x, T)
        expected = model.conditional_expected_purchases(
            calibration.params, HOLDOUT_DAYS, x, t_x, T
        )
        error = expected - holdout
        candidates[code] = {
            "holdout_mae": float(np.abs(error).mean()),
            "holdout_rmse": float(np.sqrt((error**2).mean())),
            "holdout_predicted": float(expected.sum()),
            "holdout_actual": float(holdout.sum()),
            "log_likelihood": float(calibration.log_likelihood),
            "converged": bool(calibration.converged),
        }
        predicted[code] = [float(expected[bins == b].mean()) for b in range(TOP_BIN + 1)]
        fits[code] = fit_record(model.fit(x_all, t_x_all, T_all))
    chosen = min(CANDIDATES, key=lambda code: candidates[code]["holdout_mae"])
    repeat = x_all > 0
    rng = np.random.default_rng(seed + 1)
    spend = gamma_gamma.simulate(TRUE_SPEND, x_all[repeat], rng)
    scale = float(np.median(spend))
    record = fit_record(gamma_gamma.fit(x_all[repeat], spend / scale))
    record["params"]["gamma"] *= scale
    record["standard_errors"]["gamma"] *= scale
    p, q, g = (record["params"][k] for k in ("p", "q", "gamma"))
    record.update(value_scale=scale, population_mean=p * g / (q - 1) if q > 1 else None)
    fits.update(
        purchase_model=chosen,
        ggamma=record,
        selection={
            "calibration_end_day": CALIBRATION_END_DAY,
            "holdout_days": HOLDOUT_DAYS,
            "n_customers": n,
            "metric": "holdout_mae",
            "candidates": candidates,
            "chosen": chosen,
            "reason": "lowest holdout error",
        },
        calibration_plot={
            "frequency": list(range(TOP_BIN + 1)),
            "customers": [int((bins == b).sum()) for b in range(TOP_BIN + 1)],
            "actual": [float(holdout[bins == b].mean()) for b in range(TOP_BIN + 1)],
            "predicted": predicted,
        },
        fallbacks=[],
        notes=[],
    )
    return fits
