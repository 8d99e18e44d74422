"""Shared fitting machinery: sufficient statistics, log-space optimisers, fit results.

Collapsing identical rows lives in `_rows`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from daur.analytics.btyd._rows import collapse_rows

# Log-parameter bounds: wide enough for any sane data, narrow enough that exp() never overflows.
LOG_BOUND = 12.0
# Newton stops when g' H^-1 g, about twice the distance to the optimum in -LL per customer, is
# below this: the parameters are then within sqrt(n * 1e-16) standard errors of the optimum
# (1e-5 for a million customers); the quadratic convergence usually lands far closer.
NEWTON_TOLERANCE = 1e-16
# Below this decrement a Newton step (positive definite Hessian) is taken without line search.
NEWTON_TRUST = 1e-8


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product of two vectors without BLAS.

    OpenBLAS runs long dot products on several threads whose busy-waiting, on a machine where
    other work holds a core, made a likelihood evaluation 10-30x slower (4 ms -> 100 ms); the
    likelihoods here take dozens of dot products per evaluation.
    """
    return float(np.einsum("i,i->", a, b))


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


def sufficient_stats(x, t_x, T, weights=None) -> SufficientStats:
    """Collapse identical (x, t_x, T) rows into weights."""
    (ux, ut, uT), w, _ = collapse_rows(x, t_x, T, weights=weights, inverse=False)
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


# A subset's fit that needs more Newton steps than this (usually 5-8) is not worth finishing.
SUBSET_MAX_ITER = 30


def subset_start(
    model: str,
    names: Sequence[str],
    make_neg_ll: Callable[..., Callable[[np.ndarray, int], tuple]],
    rows: Sequence[np.ndarray],
    weights: np.ndarray,
    start: np.ndarray,
) -> np.ndarray:
    """A start for Newton on many rows: the Newton fit on every k-th row, weighted to the same
    total, or `start` when the rows are few or that fit does not converge.

    From there Newton on all the rows takes two or three steps instead of six to eight; the
    subset's fit costs about one evaluation on all of them. `make_neg_ll(*rows, weights)`
    builds the likelihood.
    """
    part = coarse_rows(weights.size)
    if part is None:
        return start
    w = weights[part] * (weights.sum() / weights[part].sum())
    first = newton_maximise(
        model, names, make_neg_ll(*(r[part] for r in rows), w), start,
        n_customers=float(w.sum()), n_unique_rows=w.size, started=time.perf_counter(),
        max_iter=SUBSET_MAX_ITER,
    )
    if not first.converged:
        return start
    return np.array([first.params[n] for n in names])


def newton_maximise(
    model: str,
    names: Sequence[str],
    neg_ll: Callable[[np.ndarray, int], tuple],
    start: np.ndarray,
    *,
    n_customers: float,
    n_unique_rows: int,
    started: float,
    max_iter: int = 200,
) -> FitResult:
    """Minimise -LL over log-parameters by Newton steps on the analytic Hessian.

    `neg_ll(theta, order)` takes the parameters (not their logs) and returns -LL (order 0),
    with -dLL/dtheta (order 1) and -d2LL/dtheta2 (order 2). Where the Hessian in log space is
    not positive definite its eigenvalues are reflected and floored (a modified Newton step);
    a backtracking line search keeps every step downhill. Converged means: the Newton
    decrement is below tolerance, the Hessian at the end is positive definite and no parameter
    is at its bound. Standard errors come from that Hessian by the delta method.
    """
    scale = 1.0 / max(n_customers, 1.0)
    k = len(names)

    def evaluate(u: np.ndarray, order: int):
        theta = np.exp(u)
        out = neg_ll(theta, order)
        value = float(out[0]) * scale
        if order == 0:
            return value, None, None
        grad = out[1] * theta * scale
        if order == 1:
            return value, grad, None
        # Chain rule to log space: H_u = diag(theta) H diag(theta) + diag(theta * g).
        hess = (out[2] * np.outer(theta, theta) + np.diag(out[1] * theta)) * scale
        return value, grad, (hess + hess.T) / 2

    u = np.clip(np.log(start), -LOG_BOUND + 1, LOG_BOUND - 1)
    value, grad, hess = evaluate(u, 2)
    iterations = 0  # Newton steps taken
    decrement = np.inf
    message = "iteration limit reached"
    success = False
    while iterations < max_iter:
        if not (np.isfinite(value) and np.isfinite(grad).all() and np.isfinite(hess).all()):
            message = "the likelihood is not finite at the current point"
            break
        eigval, eigvec = np.linalg.eigh(hess)
        floor = 1e-8 * max(1.0, float(np.abs(eigval).max()))
        modified = np.maximum(np.abs(eigval), floor)
        step = -(eigvec @ ((eigvec.T @ grad) / modified))
        decrement = float(-(grad @ step))
        if decrement < NEWTON_TOLERANCE and (eigval > 0).all():
            success, message = True, "Newton decrement below tolerance"
            break
        # At most a factor e^3 per parameter in one step.
        longest = float(np.abs(step).max())
        if longest > 3.0:
            step *= 3.0 / longest
        t = 1.0
        while True:
            trial = np.clip(u + t * step, -LOG_BOUND, LOG_BOUND)
            if t == 1.0 and decrement < NEWTON_TRUST and (eigval > 0).all():
                # Close to the optimum the quadratic model is exact to far below the rounding
                # of -LL itself (a sum of terms of order 100 per customer): take the full step.
                break
            trial_value = evaluate(trial, 0)[0]
            if np.isfinite(trial_value) and trial_value <= value + 1e-4 * t * (grad @ step):
                break
            t *= 0.5
            if t < 1e-10:
                break
        if t < 1e-10:
            # No downhill progress along the Newton direction: at the optimum to rounding.
            if (eigval > 0).all() and decrement < 1e-12:
                success, message = True, "no further decrease (at the optimum to rounding)"
            else:
                message = "line search failed"
            break
        u = trial
        iterations += 1
        value, grad, hess = evaluate(u, 2)
    theta = np.exp(u)
    at_bound = np.abs(u) >= LOG_BOUND - 1e-6
    ses = np.full(k, np.nan)
    positive_definite = False
    hess_total = hess / scale
    if np.isfinite(hess_total).all():
        try:
            np.linalg.cholesky(hess_total)
            positive_definite = True
            ses = theta * np.sqrt(np.diag(np.linalg.inv(hess_total)))
        except np.linalg.LinAlgError:
            pass
    finite = bool(np.isfinite(theta).all() and np.isfinite(value))
    converged = bool(success and finite and positive_definite and not at_bound.any())
    if at_bound.any():
        message = "parameter at its bound: " + ", ".join(
            n for n, b in zip(names, at_bound) if b
        )
    elif not positive_definite:
        message = "Hessian not positive definite: the maximum is not identified"
    return FitResult(
        model=model,
        params={n: float(v) for n, v in zip(names, theta)},
        log_likelihood=float(-value / scale),
        converged=converged,
        n_customers=int(round(n_customers)),
        n_unique_rows=int(n_unique_rows),
        iterations=iterations,
        standard_errors={n: float(v) for n, v in zip(names, ses)},
        seconds=time.perf_counter() - started,
        message=message,
    )
