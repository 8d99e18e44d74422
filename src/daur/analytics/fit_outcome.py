"""What scoring makes of one model fit: usable or failed, and the record stored with the run.

A fit is usable when it converged (whichever step of the fitter produced it) or when it is a
boundary solution (a parameter at its limit, reported as such, with finite parameters): the best
fit the data allow. Anything else — the data cannot identify the model (`FitError`), or the
fitter stopped away from a maximum — is a failed fit, and scoring degrades that part.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from daur.analytics.btyd._fit import FitError

# Below this many buyers (or repeat buyers) the models are not fitted: rules alone, said so.
MIN_BUYERS_TO_FIT = 30
MIN_REPEAT_BUYERS_TO_FIT = 10
BOUND_MESSAGE = "parameter at its bound"


def method_of(result: Any) -> str:
    """newton | quasi_newton | boundary: the fitter's step that produced `result`.

    A fitter that does not say (an older one) reported a boundary only in its message."""
    method = getattr(result, "method", None)
    if method:
        return str(method)
    if not result.converged and str(result.message).startswith(BOUND_MESSAGE):
        return "boundary"
    return "newton"


def usable(result: Any) -> bool:
    """Converged, or a boundary solution with finite positive parameters."""
    values = list(result.params.values())
    finite = all(math.isfinite(v) and v > 0 for v in values)
    return finite and (bool(result.converged) or method_of(result) == "boundary")


def attempt(fit: Callable[..., Any], *columns: np.ndarray) -> tuple[Any | None, str]:
    """(the fit, "") when usable, else (None, why not)."""
    try:
        with np.errstate(all="ignore"):
            result = fit(*columns)
    except FitError as error:
        return None, str(error)
    except (ArithmeticError, ValueError, np.linalg.LinAlgError) as error:
        # A numerical failure the fitter did not catch: that part degrades, the run goes on.
        return None, f"the fit failed: {error}"
    if usable(result):
        return result, ""
    return None, f"did not converge: {result.message}"


def json_number(value: float) -> float | None:
    """A figure as the run's JSON stores it: non-finite numbers as null."""
    value = float(value)
    return value if math.isfinite(value) else None


def fit_record(result: Any) -> dict[str, Any]:
    """The stored form of a usable fit (ScoringRun.fits[model])."""
    return {
        "params": {k: json_number(v) for k, v in result.params.items()},
        "standard_errors": {
            k: json_number(v) for k, v in getattr(result, "standard_errors", {}).items()
        },
        "log_likelihood": json_number(result.log_likelihood),
        "converged": bool(result.converged),
        "method": method_of(result),
        "message": str(result.message),
        "n_customers": int(result.n_customers),
        "iterations": int(getattr(result, "iterations", 0)),
        "seconds": float(result.seconds),
        "time_unit": "day",
    }


def fallback_of(part: str, model: str, result: Any) -> dict[str, str] | None:
    """The fallbacks entry of a usable fit that Newton alone did not produce (else None)."""
    method = method_of(result)
    if method == "newton" and result.converged:
        return None
    if method == "newton":  # an older fitter's non-converged but usable result
        method = "boundary"
    return {"part": part, "model": model, "step": method, "reason": str(result.message)}
