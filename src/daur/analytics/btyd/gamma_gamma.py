"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005): expected average order value."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from daur.analytics.btyd._fit import (
    FitError,
    FitResult,
    dot,
    fit_with_fallbacks,
    subset_start,
)
from daur.analytics.btyd._rows import collapse_rows, unique_inverse
from daur.analytics.btyd._special import digamma, log_gamma, trigamma

MODEL = "ggamma"
PARAM_NAMES = ("p", "q", "gamma")
# What a parameter at the optimiser's bound means (for the message of a boundary solution).
SAME_MEANS = (
    "customers' mean order values hardly differ: the expected order value is close to "
    "the population mean for everyone"
)
LIMITS = {
    ("p", "upper"): (
        "no customer's spend varies between orders, so the likelihood rises towards "
        "p -> infinity: the expected order value is the customer's own mean (the population "
        "mean for a customer with no repeat order)"
    ),
    ("q", "upper"): SAME_MEANS,
    ("gamma", "upper"): SAME_MEANS,
}


def fit(x, mean_value, *, weights=None) -> FitResult:
    """Fit on customers' repeat-purchase counts x and mean repeat order values (zbar).

    Rows with x = 0 carry no repeat spend and are ignored. Identical (x, zbar) rows are
    collapsed into weights. Raises FitError when fewer than two customers remain or a mean
    value is not positive; otherwise the fallback order of `fit_with_fallbacks` gives a result
    (a boundary solution with p at its limit when no customer's spend varies between orders).
    The values are fitted in units of their mean, so that gamma, a scale, stays inside the
    optimiser's bounds in any currency; the result is in the values' own unit.
    """
    started = time.perf_counter()
    x = np.asarray(x, dtype=np.float64).ravel()
    m = np.asarray(mean_value, dtype=np.float64).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if not (x.shape == m.shape == w.shape):
        raise ValueError("x, mean_value and weights must have the same length")
    keep = x > 0
    x, m, w = x[keep], m[keep], w[keep]
    if w.sum() < 2:
        raise FitError("the spend model needs at least two customers with a repeat purchase")
    if not np.isfinite(m).all() or (m <= 0).any():
        raise FitError("mean repeat order values must be positive numbers")
    (x, m), w, _ = collapse_rows(x, m, weights=None if weights is None else w, inverse=False)
    n = float(w.sum())
    unit = float(w @ m / n)
    neg_ll = make_neg_log_likelihood(x, m / unit, w)
    start = np.array([2.0, 3.0, 1.0])
    result = fit_with_fallbacks(
        MODEL,
        PARAM_NAMES,
        lambda theta: neg_ll(theta, 1),
        start,
        newton_neg_ll=neg_ll,
        newton_start=subset_start(make_neg_log_likelihood, (x, m / unit), w, start),
        n_customers=n,
        n_unique_rows=x.size,
        started=started,
        limits=LIMITS,
    )
    # gamma scales with the values; the density of m is that of m / unit divided by unit.
    return replace(
        result,
        params=dict(result.params, gamma=result.params["gamma"] * unit),
        standard_errors=dict(result.standard_errors, gamma=result.standard_errors["gamma"] * unit),
        log_likelihood=result.log_likelihood - n * math.log(unit),
    )


def make_neg_log_likelihood(x, m, weights):
    """-LL, its analytic gradient and Hessian in (p, q, gamma) over collapsed rows.

    Returns f(theta, order) -> (-LL, -gradient if order >= 1, -Hessian if order == 2); the
    special functions are evaluated once per distinct x.
    """
    ux, xi = unique_inverse(x)
    wx = np.bincount(xi, weights=weights)
    # Terms constant across iterations are summed once.
    sum_wx_log_mx = dot(weights, x * (np.log(m) + np.log(x)))
    sum_w_log_m = dot(weights, np.log(m))
    n = weights.sum()
    xm = x * m

    w_x = weights * x

    def neg_ll(theta: np.ndarray, order: int = 2):
        p, q, g = (float(v) for v in theta)
        log_xm_g = np.log(xm + g)
        sum_w_log, sum_wx_log = dot(weights, log_xm_g), dot(w_x, log_xm_g)
        px = p * ux
        per_x = log_gamma(px + q) - log_gamma(px) - math.lgamma(q)
        log_g = math.log(g)
        ll = (
            dot(wx, per_x)
            + n * q * log_g
            + p * sum_wx_log_mx
            - sum_w_log_m
            - p * sum_wx_log
            - q * sum_w_log
        )
        if order == 0:
            return (-ll,)
        psi_pxq = digamma(px + q)
        inv = 1.0 / (xm + g)
        sum_w_inv, sum_wx_inv = dot(weights, inv), dot(w_x, inv)
        grad = np.array(
            [
                dot(wx, ux * (psi_pxq - digamma(px))) + sum_wx_log_mx - sum_wx_log,
                dot(wx, psi_pxq) - n * float(digamma(q)) + n * log_g - sum_w_log,
                n * q / g - p * sum_wx_inv - q * sum_w_inv,
            ]
        )
        if order == 1:
            return -ll, -grad
        tri_pxq = trigamma(px + q)
        inv2 = inv * inv
        h_pq = dot(wx, ux * tri_pxq)
        h_pg = -sum_wx_inv
        h_qg = n / g - sum_w_inv
        hess = np.array(
            [
                [dot(wx, ux * ux * (tri_pxq - trigamma(px))), h_pq, h_pg],
                [h_pq, dot(wx, tri_pxq) - n * float(trigamma(q)), h_qg],
                [h_pg, h_qg, -n * q / g**2 + p * dot(w_x, inv2) + q * dot(weights, inv2)],
            ]
        )
        return -ll, -grad, -hess

    return neg_ll


def population_mean(params: Mapping[str, float]) -> float:
    """The mean order value of the population, p gamma / (q - 1); math.inf when q <= 1.

    A heavy-tailed fit (q <= 1) has no finite population mean: callers must not divide by
    q - 1 themselves, and need a finite stand-in (e.g. the empirical mean) where this is inf.
    """
    p, q, g = params["p"], params["q"], params["gamma"]
    return p * g / (q - 1.0) if q > 1.0 else math.inf


def expected_order_value(params: Mapping[str, float], x, mean_value, *, fallback=None):
    """E[average order value | x, zbar]; the population mean where x = 0 (zbar ignored there).

    The posterior mean p (gamma + x zbar) / (p x + q - 1) is infinite where p x + q <= 1 (for
    x = 0: q <= 1, a heavy-tailed fit). There `fallback` is used: a number or one value per
    customer, e.g. the empirical mean order value. Without it, the customer's own mean where
    x > 0, and where x = 0 the mean of the given zbar over customers with x > 0 (NaN when there
    is none: a caller scoring a few customers passes `fallback`). A boundary fit with p at its
    limit (no spend variation within customers) gives the customer's own mean where x > 0.
    """
    p, q, g = params["p"], params["q"], params["gamma"]
    x = np.asarray(x, dtype=np.float64)
    m = np.where(x > 0, mean_value, 0.0)
    denominator = p * x + q - 1.0
    finite = denominator > 0
    value = p * (g + x * m) / np.where(finite, denominator, 1.0)
    if finite.all():
        return value
    if fallback is None:
        repeat = np.broadcast_to(x > 0, m.shape)
        empirical = float(np.mean(m[repeat])) if repeat.any() else math.nan
        fallback = np.where(x > 0, m, empirical)
    return np.where(finite, value, fallback)


def simulate(params: Mapping[str, float], x, rng: np.random.Generator):
    """Draw zbar for customers with x repeat purchases (x > 0) from the model."""
    p, q, g = params["p"], params["q"], params["gamma"]
    x = np.asarray(x, dtype=np.float64)
    nu = rng.gamma(q, 1.0 / g, x.shape)
    # The mean of x Gamma(p, nu) amounts is Gamma(p x, nu x).
    return rng.gamma(p * x, 1.0 / (nu * x))
