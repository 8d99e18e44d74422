"""The body of `daur fit`: read a transaction log or a summary CSV, fit a model, report it.

Pure analytics: imports only daur.analytics (the file is read by `analytics.fit_data`), numpy
and the standard library (never Django).
Exit codes: 0 fitted and converged (by Newton or, after it, by quasi-Newton); 1 fitted but not at
an interior maximum: a boundary solution (a parameter at its limit, named in the message) or no
convergence (the result is still printed, with converged false and the method); 2 bad input or
data that cannot identify the model (nothing fitted).
"""

from __future__ import annotations

import json
import math
import sys
from typing import TextIO

import numpy as np

from daur.analytics.fit_data import FitData, InputError, fit_notes, read_fit_data

MODEL_TITLES = {"bgnbd": "BG/NBD", "pareto": "Pareto/NBD", "mbgnbd": "MBG/NBD",
                "ggamma": "Gamma-Gamma"}
METHOD_TITLES = {
    "newton": "Newton",
    "quasi_newton": "quasi-Newton (L-BFGS-B)",
    "boundary": "boundary solution (a parameter at its limit; see the message)",
}


def fit_command(
    *, path: str, model: str, time_unit: str, calibration_end: str | None, as_json: bool,
    out: TextIO,
) -> int:
    from daur.analytics.btyd._fit import FitError

    try:
        data = read_fit_data(
            path, time_unit=time_unit, calibration_end=calibration_end, model=model
        )
        result, holdout = run_fit(data, model=model)
    except FitError as error:
        print(f"daur fit: error: {error}; nothing was fitted", file=sys.stderr)
        return 2
    except (InputError, OSError) as error:
        print(f"daur fit: error: {error}", file=sys.stderr)
        return 2
    notes = [*data.notes, *fit_notes(data, model)]
    for note in notes:
        print(f"daur fit: warning: {note}", file=sys.stderr)
    report = {
        "model": model,
        "n_customers": result.n_customers,
        "time_unit": time_unit,
        "params": result.params,
        "standard_errors": result.standard_errors,
        "log_likelihood": result.log_likelihood,
        "converged": result.converged,
        "method": result.method,
        "at_bound": list(result.at_bound),
        "iterations": result.iterations,
        "seconds": result.seconds,
        "message": result.message,
        "warnings": notes,
    }
    if model == "ggamma":
        from daur.analytics.btyd.gamma_gamma import population_mean

        report["population_mean"] = population_mean(result.params)
    if holdout is not None:
        report["holdout"] = holdout
    if as_json:
        out.write(json.dumps(_json_safe(report)) + "\n")
    else:
        out.write(format_table(report))
    if result.method == "boundary":
        print(f"daur fit: a boundary solution: {result.message}", file=sys.stderr)
        return 1
    if not result.converged:
        print(f"daur fit: the fit did not converge: {result.message}", file=sys.stderr)
        return 1
    return 0


def run_fit(data: FitData, *, model: str):
    """Fit the model; for purchase models with a holdout, compare it with the forecast."""
    if model == "ggamma":
        from daur.analytics.btyd import gamma_gamma

        if data.mean_value is None:
            raise InputError("the ggamma model needs a monetary_value (or zbar) column")
        return gamma_gamma.fit(data.x, data.mean_value), None
    from daur.analytics.btyd import purchase_model

    module = purchase_model(model)
    result = module.fit(data.x, data.t_x, data.T)
    if data.holdout_x is None:
        return result, None
    predicted = module.conditional_expected_purchases(
        result.params, data.holdout_length, data.x, data.t_x, data.T
    )
    actual = data.holdout_x.astype(np.float64)
    correlation = float("nan")
    if actual.std() > 0 and predicted.std() > 0:
        correlation = float(np.corrcoef(actual, predicted)[0, 1])
    return result, {
        "start": data.holdout_start,
        "end": data.holdout_end,
        "actual": int(actual.sum()),
        "predicted": float(predicted.sum()),
        "correlation": correlation,
    }


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def format_table(report: dict) -> str:
    lines = [
        f"Model           {MODEL_TITLES[report['model']]} ({report['model']})",
        f"Customers       {report['n_customers']}",
        f"Time unit       {report['time_unit']}",
        "",
        f"{'parameter':<12}{'estimate':>14}{'std. error':>14}",
    ]
    for name, value in report["params"].items():
        se = report["standard_errors"][name]
        lines.append(f"{name:<12}{value:>14.6g}{se:>14.4g}")
    lines += [
        "",
        f"Log-likelihood  {report['log_likelihood']:.4f}",
        f"Converged       {'yes' if report['converged'] else 'NO'} "
        f"({report['iterations']} iterations, {report['seconds']:.3f} s; {report['message']})",
        f"Method          {METHOD_TITLES.get(report['method'], report['method'])}",
    ]
    if "population_mean" in report:
        mean = report["population_mean"]
        lines.append(f"Population mean {mean:.6g}" if math.isfinite(mean) else
                     "Population mean infinite (q <= 1: heavy-tailed spend)")
    holdout = report.get("holdout")
    if holdout:
        lines += [
            "",
            f"Holdout {holdout['start']} to {holdout['end']}",
            f"  repeat transactions  actual {holdout['actual']}, "
            f"predicted {holdout['predicted']:.1f}",
            f"  correlation per customer  {holdout['correlation']:.3f}",
        ]
    return "\n".join(lines) + "\n"

