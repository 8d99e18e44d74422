"""The two optimisers behind every fit, over log-parameters: Newton on an analytic Hessian and a
bounded quasi-Newton (L-BFGS-B). The order in which a fit tries them is `_fit.fit_with_fallbacks`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Log-parameter bounds: wide enough for any sane data, narrow enough that exp() never overflows.
LOG_BOUND = 12.0
# Newton stops when g' H^-1 g, about twice the distance to the optimum in -LL per customer, is
# below this: the parameters are then within sqrt(n * 1e-16) standard errors of the optimum
# (1e-5 for a million customers); the quadratic convergence usually lands far closer.
NEWTON_TOLERANCE = 1e-16
# Below this decrement a Newton step (positive definite Hessian) is taken without line search.
NEWTON_TRUST = 1e-8
# L-BFGS-B often ends "abnormally" in its line search at the optimum, where -LL no longer
# changes in its last digits; a gradient (per customer, in log space) this small is a stop too.
# Restarts of L-BFGS-B from where it stopped, while they still raise the likelihood.
RIDGE_RESTARTS = 20
QUASI_NEWTON_GRADIENT = 1e-6


@dataclass(frozen=True)
class Optimum:
    """Where an optimiser stopped, in log-parameters, with -LL and its Hessian (totals)."""

    log_theta: np.ndarray
    neg_ll: float
    hessian: np.ndarray
    iterations: int
    success: bool  # the optimiser's own stopping rule was met
    message: str


def newton(
    neg_ll: Callable[[np.ndarray, int], tuple], start: np.ndarray, *, n_customers: float,
    max_iter: int = 200,
) -> Optimum:
    """Minimise -LL over log-parameters by Newton steps on the analytic Hessian.

    `neg_ll(theta, order)` takes the parameters (not their logs) and returns -LL (order 0),
    with -dLL/dtheta (order 1) and -d2LL/dtheta2 (order 2). Where the Hessian in log space is
    not positive definite its eigenvalues are reflected and floored (a modified Newton step);
    a backtracking line search keeps every step downhill. Success means the Newton decrement is
    below tolerance with a positive definite Hessian.
    """
    scale = 1.0 / max(n_customers, 1.0)

    def evaluate(u: np.ndarray, order: int):
        theta = np.exp(u)
        out = neg_ll(theta, order)
        value = float(out[0]) * scale
        if order == 0:
            return value, None, None
        grad = out[1] * theta * scale
        # Chain rule to log space: H_u = diag(theta) H diag(theta) + diag(theta * g).
        hess = (out[2] * np.outer(theta, theta) + np.diag(out[1] * theta)) * scale
        return value, grad, (hess + hess.T) / 2

    u = np.clip(np.log(start), -LOG_BOUND + 1, LOG_BOUND - 1)
    value, grad, hess = evaluate(u, 2)
    iterations = 0  # Newton steps taken
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
    return Optimum(u, value / scale, hess / scale, iterations, success, message)


def quasi_newton(
    neg_ll: Callable[[np.ndarray], tuple[float, np.ndarray]], start: np.ndarray, *,
    n_customers: float, max_iter: int = 2000, margin: float = 1.0,
) -> Optimum:
    """Minimise -LL over log-parameters with L-BFGS-B inside |log theta| <= LOG_BOUND.

    `neg_ll(theta)` takes the parameters (not their logs) and returns (-LL, -dLL/dtheta); the
    chain rule to log space is applied here. The Hessian is a finite difference of the analytic
    gradient. The start is moved `margin` inside the bounds (in log space), so that a run from a
    point at a limit explores before it settles there; an optimum found on a sample of the rows
    is taken as it is (margin 0).
    """
    from scipy.optimize import minimize

    scale = 1.0 / max(n_customers, 1.0)

    def in_log_space(function):
        def objective(log_theta: np.ndarray) -> tuple[float, np.ndarray]:
            theta = np.exp(log_theta)
            value, grad = function(theta)
            if not (np.isfinite(value) and np.isfinite(grad).all()):
                return 1e300, np.zeros_like(log_theta)
            return value * scale, grad * theta * scale
        return objective

    objective = in_log_space(neg_ll)
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    x0 = np.clip(np.log(start), -LOG_BOUND + margin, LOG_BOUND - margin)
    options = {"maxiter": max_iter, "ftol": 1e-14, "gtol": 1e-9, "maxcor": 20}
    res = minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=bounds, options=options)
    # On a flat ridge (a weakly identified model rising slowly towards a limit) L-BFGS-B can stop
    # on its relative-reduction test far from the top: restarted from there with a fresh curvature
    # model it walks on, until a restart no longer gains.
    for _ in range(RIDGE_RESTARTS):
        again = minimize(objective, res.x, jac=True, method="L-BFGS-B", bounds=bounds,
                         options=options)
        if not again.fun < res.fun - 1e-12 * max(abs(res.fun), 1.0):
            break
        again.nit += res.nit
        res = again
    log_theta = np.asarray(res.x, dtype=np.float64)
    value = float(neg_ll(np.exp(log_theta))[0])
    hess = _hessian(lambda lt: objective(lt)[1] / scale, log_theta, res.jac / scale)
    # At a bound only a gradient that would take -LL down by moving inside counts.
    inside = np.where(np.abs(log_theta) >= LOG_BOUND - 1e-6,
                      np.maximum(res.jac * np.sign(log_theta), 0.0), res.jac)
    small = bool(np.all(np.abs(inside) < QUASI_NEWTON_GRADIENT))
    message = str(res.message)
    return Optimum(log_theta, value, hess, int(res.nit), bool(res.success) or small, message)


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
