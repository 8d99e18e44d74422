"""MBG/NBD model (Batislam, Denizel & Filiztekin 2007): BG/NBD with dropout at time zero too."""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
from scipy.special import betainc, betaln, digamma, expit, gammaln

from daur.analytics.btyd._fit import (
    FitResult,
    check_btyd_data,
    coarse_likelihood,
    fit_with_fallbacks,
    sufficient_stats,
)
from daur.analytics.btyd._special import hyp2f1_guarded
from daur.analytics.btyd.bgnbd import LIMITS, check_identifiable, start_values

MODEL = "mbgnbd"
PARAM_NAMES = ("r", "alpha", "a", "b")
NEAR_ONE = 1e-4


def fit(x, t_x, T, *, weights=None) -> FitResult:
    """Maximum-likelihood fit on (x, t_x, T); identical rows are collapsed into weights.

    No analytic Hessian: the fallback order of `fit_with_fallbacks` starts at quasi-Newton.
    """
    started = time.perf_counter()
    stats = sufficient_stats(x, t_x, T, weights)
    check_btyd_data(stats.x, stats.t_x, stats.T)
    check_identifiable(stats.x, stats.weights)
    neg_ll = make_neg_log_likelihood(stats.x, stats.t_x, stats.T, stats.weights)
    coarse = coarse_likelihood(make_neg_log_likelihood, stats)
    return fit_with_fallbacks(
        MODEL, PARAM_NAMES, neg_ll, start_values(stats.x, stats.T, stats.weights),
        n_customers=stats.n_customers, n_unique_rows=stats.x.size, started=started,
        coarse=coarse, limits=LIMITS,
    )


def make_neg_log_likelihood(x, t_x, T, weights):
    """-LL and its analytic gradient in (r, alpha, a, b) over collapsed rows."""
    ux, xi = np.unique(x, return_inverse=True)
    wx = np.bincount(xi, weights=weights)

    def neg_ll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = theta
        a1 = gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
        a2 = betaln(a, b + ux + 1.0) - betaln(a, b)
        log_at, log_atx = np.log(alpha + T), np.log(alpha + t_x)
        a3 = -(r + x) * log_at
        # Unlike BG/NBD, a customer may drop out right after the first purchase (x = 0 too).
        a4 = np.log(a) - np.log(b + x) - (r + x) * log_atx
        mix = np.logaddexp(a3, a4)
        w4 = np.exp(a4 - mix)
        w3 = 1.0 - w4
        ll = wx @ (a1 + a2) + weights @ mix

        psi_abx = digamma(a + b + ux + 1.0)
        psi_ab = digamma(a + b)
        d_r = wx @ (digamma(r + ux) - digamma(r) + np.log(alpha)) - weights @ (
            w3 * log_at + w4 * log_atx
        )
        d_alpha = r * weights.sum() / alpha - weights @ (
            (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x))
        )
        d_a = wx @ (psi_ab - psi_abx) + weights @ w4 / a
        d_b = wx @ (digamma(b + ux + 1.0) - psi_abx - digamma(b) + psi_ab) - weights @ (
            w4 / (b + x)
        )
        return -ll, -np.array([d_r, d_alpha, d_a, d_b])

    return neg_ll


def _params(params: Mapping[str, float]) -> tuple[float, float, float, float]:
    return params["r"], params["alpha"], params["a"], params["b"]


def log_likelihood(params: Mapping[str, float], x, t_x, T) -> np.ndarray:
    """Per-customer log-likelihood (for checks and model comparison)."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    r, alpha, a, b = _params(params)
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x + 1.0) - betaln(a, b)
    alive = -(r + x) * np.log(alpha + T)
    dropped = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + t_x)
    return head + np.logaddexp(alive, dropped)


def p_alive(params: Mapping[str, float], x, t_x, T):
    """P(still alive at T | x, t_x, T); below 1 even for customers with x = 0."""
    r, alpha, a, b = _params(params)
    x = np.asarray(x, dtype=np.float64)
    log_odds = np.log(a / (b + x)) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return expit(-log_odds)


def expected_purchases_if_alive(params: Mapping[str, float], t, x, T):
    """E[purchases in (T, T + t] | x, T and alive at T]; does not depend on t_x."""
    r, alpha, a, b = _params(params)
    x = np.asarray(x, dtype=np.float64)
    if abs(a - 1.0) < NEAR_ONE:
        # 0/0 at a = 1 exactly; the function is smooth there, so average both sides.
        return (_if_alive(r, alpha, 1.0 + NEAR_ONE, b, t, x, T)
                + _if_alive(r, alpha, 1.0 - NEAR_ONE, b, t, x, T)) / 2.0
    return _if_alive(r, alpha, a, b, t, x, T)


def _if_alive(r, alpha, a, b, t, x, T):
    z = t / (alpha + T + t)
    # Euler's transformation of (1-z)^(r+x) 2F1(r+x, b+x+1; a+b+x; z), stable for large x.
    tail = (1.0 - z) ** (a - 1.0) * hyp2f1_guarded(a + b - r, a - 1.0, a + b + x, z)
    return (a + b + x) / (a - 1.0) * (1.0 - tail)


def conditional_expected_purchases(params: Mapping[str, float], t, x, t_x, T):
    """E[purchases in (T, T + t] | x, t_x, T]."""
    return p_alive(params, x, t_x, T) * expected_purchases_if_alive(params, t, x, T)


def expected_purchases(params: Mapping[str, float], t):
    """Unconditional E[X(t)] for a customer observed from time 0."""
    r, alpha, a, b = _params(params)
    return b / (a + b) * expected_purchases_if_alive(params, t, 0.0, 0.0)


def probability_of_purchases(params: Mapping[str, float], t, n):
    """P(X(t) = n) for a new customer."""
    r, alpha, a, b = _params(params)
    n = np.asarray(n, dtype=np.float64)
    p = alpha / (alpha + t)
    log_nb = (
        gammaln(r + n) - gammaln(r) - gammaln(n + 1) + r * np.log(p) + n * np.log1p(-p)
    )
    alive = np.exp(betaln(a, b + n + 1.0) - betaln(a, b) + log_nb)
    # Dropping out after purchase n needs n purchases by t (always true for n = 0).
    reached = np.where(n > 0, 1.0 - betainc(r, np.maximum(n, 1.0), p), 1.0)
    dead = np.exp(betaln(a + 1.0, b + n) - betaln(a, b)) * reached
    return alive + dead


def simulate(params: Mapping[str, float], T, rng: np.random.Generator):
    """Draw (x, t_x) for customers of ages T from the model (for tests and benchmarks)."""
    r, alpha, a, b = _params(params)
    T = np.asarray(T, dtype=np.float64)
    rate = rng.gamma(r, 1.0 / alpha, T.shape)
    drop = rng.beta(a, b, T.shape)
    n_poisson = rng.poisson(rate * T)
    x = np.minimum(n_poisson, rng.geometric(drop) - 1)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), n_poisson - x + 1), 0.0)
    return x.astype(np.float64), t_x
