"""Shared fitting machinery: sufficient-statistics collapse, log-space optimiser, fit results."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# Log-parameter bounds: wide enough for any sane data, narrow enough that exp() never overflows.
LOG_BOUND = 12.0


class FitError(ValueError):
    """The data cannot identify the model (too few customers, no repeat purchases, ...)."""


@dataclass(frozen=True)
class SufficientStats:
    """Unique (x, t_x, T) rows with how many customers share each one.

    Counts from different workers can be merged with `merge_stats` and fitted once.
    """

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    weights: np.ndarray

    @property
    def n_customers(self) -> float:
        return float(self.weights.sum())


@dataclass(frozen=True)
class FitResult:
    """A maximum-likelihood fit. Parameters are in the time unit of the data they came from."""

    model: str
    params: dict[str, float]
    log_likelihood: float
    converged: bool
    n_customers: int
    n_unique_rows: int
    iterations: int
    standard_errors: dict[str, float]
    seconds: float
    message: str = ""


def collapse_rows(*columns: np.ndarray, weights: np.ndarray | None = None):
    """Unique rows of the given columns, the summed weight of each, and the inverse index."""
    cols = [np.ascontiguousarray(c, dtype=np.float64).ravel() for c in columns]
    n = cols[0].size
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if any(c.size != n for c in cols) or w.size != n:
        raise ValueError("columns and weights must have the same length")
    if n == 0:
        return list(cols), w, np.zeros(0, dtype=np.intp)
    order = np.lexsort(cols[::-1])
    sorted_cols = [c[order] for c in cols]
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for c in sorted_cols:
        change[1:] |= c[1:] != c[:-1]
    starts = np.flatnonzero(change)
    unique_cols = [c[starts] for c in sorted_cols]
    summed = np.add.reduceat(w[order], starts)
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = np.cumsum(change) - 1
    return unique_cols, summed, inverse


def sufficient_stats(x, t_x, T, weights=None) -> SufficientStats:
    """Collapse identical (x, t_x, T) rows into weights."""
    (ux, ut, uT), w, _ = collapse_rows(x, t_x, T, weights=weights)
    return SufficientStats(x=ux, t_x=ut, T=uT, weights=w)


def merge_stats(parts: Sequence[SufficientStats]) -> SufficientStats:
    """Merge the sufficient statistics computed by several workers into one."""
    return sufficient_stats(
        np.concatenate([p.x for p in parts]),
        np.concatenate([p.t_x for p in parts]),
        np.concatenate([p.T for p in parts]),
        np.concatenate([p.weights for p in parts]),
    )


def check_btyd_data(x, t_x, T) -> None:
    """Reject data the BTYD models cannot use, with a message a user can act on."""
    if x.size == 0:
        raise FitError("no customers to fit")
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(T).all()):
        raise FitError("x, t_x and T must be finite numbers")
    if (x < 0).any() or (np.floor(x) != x).any():
        raise FitError("x (repeat purchases) must be whole numbers >= 0")
    if (t_x < 0).any() or (t_x > T + 1e-9).any():
        raise FitError("recency t_x must be between 0 and T")
    if ((x == 0) & (t_x != 0)).any():
        raise FitError("t_x must be 0 where x = 0")
    if ((x > 0) & (t_x <= 0)).any():
        raise FitError("t_x must be > 0 where x > 0")
    if (T <= 0).any():
        raise FitError("T (customer age) must be > 0")


def maximise(
    model: str,
    names: Sequence[str],
    neg_ll: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    *,
    n_customers: float,
    n_unique_rows: int,
    started: float,
    coarse: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
) -> FitResult:
    """Minimise a negative log-likelihood over log-parameters; report convergence honestly.

    `neg_ll(theta)` takes the parameters (not their logs) and returns (-LL, -dLL/dtheta);
    the chain rule to log space is applied here. Standard errors come from a finite-difference
    Hessian of the analytic gradient, in log space, mapped back by the delta method. `coarse`,
    the same likelihood on a subset of rows, gives a starting point for large data.
    """
    from scipy.optimize import minimize

    scale = 1.0 / max(n_customers, 1.0)

    def objective(log_theta: np.ndarray) -> tuple[float, np.ndarray]:
        theta = np.exp(log_theta)
        value, grad = neg_ll(theta)
        if not np.isfinite(value):
            return 1e300, np.zeros_like(log_theta)
        return value * scale, grad * theta * scale

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(names)
    x0 = np.clip(np.log(start), -LOG_BOUND + 1, LOG_BOUND - 1)
    if coarse is not None:
        def coarse_objective(log_theta):
            value, grad = coarse(np.exp(log_theta))
            if not np.isfinite(value):
                return 1e300, np.zeros_like(log_theta)
            return value * scale, grad * np.exp(log_theta) * scale

        warm = minimize(coarse_objective, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                        options={"maxiter": 500, "ftol": 1e-10})
        if np.isfinite(warm.fun) and np.all(np.abs(warm.x) < LOG_BOUND - 1):
            x0 = warm.x
    res = minimize(
        objective, x0, jac=True, method="L-BFGS-B", bounds=bounds,
        options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9, "maxcor": 20},
    )
    log_theta = res.x
    theta = np.exp(log_theta)
    value, _ = neg_ll(theta)
    hess = _hessian(lambda lt: objective(lt)[1] / scale, log_theta, res.jac / scale)
    at_bound = np.abs(log_theta) >= LOG_BOUND - 1e-6
    ses = np.full(len(names), np.nan)
    positive_definite = False
    if np.isfinite(hess).all():
        try:
            np.linalg.cholesky(hess)
            positive_definite = True
            ses = theta * np.sqrt(np.diag(np.linalg.inv(hess)))
        except np.linalg.LinAlgError:
            pass
    finite = bool(np.isfinite(theta).all() and np.isfinite(value))
    converged = bool(res.success and finite and positive_definite and not at_bound.any())
    message = str(res.message)
    if at_bound.any():
        message = "parameter at its bound: " + ", ".join(
            n for n, b in zip(names, at_bound) if b
        )
    elif not positive_definite:
        message = "Hessian not positive definite: the maximum is not identified"
    return FitResult(
        model=model,
        params={n: float(v) for n, v in zip(names, theta)},
        log_likelihood=float(-value),
        converged=converged,
        n_customers=int(round(n_customers)),
        n_unique_rows=int(n_unique_rows),
        iterations=int(res.nit),
        standard_errors={n: float(v) for n, v in zip(names, ses)},
        seconds=time.perf_counter() - started,
        message=message,
    )


def _hessian(grad: Callable[[np.ndarray], np.ndarray], point: np.ndarray, at_point: np.ndarray):
    # Forward differences: one gradient per parameter; plenty for standard errors.
    step = 1e-6
    k = point.size
    hess = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = step
        hess[i] = (grad(point + e) - at_point) / step
    return (hess + hess.T) / 2


def coarse_rows(n_rows: int, target: int = 20_000) -> slice | None:
    """Every k-th collapsed row, for a cheap first fit on large data (None when small)."""
    if n_rows <= 2 * target:
        return None
    return slice(0, None, n_rows // target)
