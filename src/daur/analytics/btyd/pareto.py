"""Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): fit, P(alive), expected purchases."""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1

from daur.analytics.btyd import _pareto_integral
from daur.analytics.btyd._fit import (
    FitResult,
    check_btyd_data,
    coarse_likelihood,
    fit_with_fallbacks,
    sufficient_stats,
)
from daur.analytics.btyd._pareto_integral import log_integral
from daur.analytics.btyd.bgnbd import NO_DROPOUT, ONE_RATE, check_identifiable

MODEL = "pareto"
PARAM_NAMES = ("r", "alpha", "s", "beta")
LIMITS = {("s", "lower"): NO_DROPOUT, ("beta", "upper"): NO_DROPOUT,
          ("r", "upper"): ONE_RATE, ("alpha", "upper"): ONE_RATE}


def fit(x, t_x, T, *, weights=None) -> FitResult:
    """Maximum-likelihood fit on (x, t_x, T); identical rows are collapsed into weights.

    The gradient is analytic (`_pareto_integral`); there is no analytic Hessian, so the
    fallback order of `fit_with_fallbacks` starts at quasi-Newton.
    """
    started = time.perf_counter()
    stats = sufficient_stats(x, t_x, T, weights)
    check_btyd_data(stats.x, stats.t_x, stats.T)
    check_identifiable(stats.x, stats.weights)
    x, T, w = stats.x, stats.T, stats.weights
    rate = float(w @ x / (w @ T))
    start = np.array([1.0, 1.0 / max(rate, 1e-6), 1.0, float(w @ T / w.sum())])
    return fit_with_fallbacks(
        MODEL, PARAM_NAMES, make_neg_log_likelihood(x, stats.t_x, T, w), start,
        n_customers=stats.n_customers, n_unique_rows=x.size, started=started, limits=LIMITS,
        coarse=coarse_likelihood(make_neg_log_likelihood, stats),
    )


def make_neg_log_likelihood(x, t_x, T, weights):
    """-LL and its analytic gradient in (r, alpha, s, beta) over collapsed rows."""

    def neg_ll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = _pareto_integral.gradient(*theta, x, t_x, T)
        return -float(weights @ value), -(grad @ weights)

    return neg_ll


def _params(params: Mapping[str, float]) -> tuple[float, float, float, float]:
    return params["r"], params["alpha"], params["s"], params["beta"]


def _log_likelihood(r, alpha, s, beta, x, t_x, T):
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    died = np.log(s) + log_integral(r, alpha, s, beta, x, t_x, T)
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return head + np.logaddexp(alive, died)


def log_likelihood(params: Mapping[str, float], x, t_x, T) -> np.ndarray:
    """Per-customer log-likelihood (for checks and model comparison)."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    return _log_likelihood(*_params(params), x, t_x, T)


def p_alive(params: Mapping[str, float], x, t_x, T):
    """P(still alive at T | x, t_x, T)."""
    r, alpha, s, beta = _params(params)
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    log_odds = (
        np.log(s) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
        + log_integral(r, alpha, s, beta, x, t_x, T)
    )
    return expit(-log_odds)


def expected_purchases_if_alive(params: Mapping[str, float], t, x, T):
    """E[purchases in (T, T + t] | x, T and alive at T]; does not depend on t_x."""
    r, alpha, s, beta = _params(params)
    log_q = np.log(beta + T) - np.log(beta + T + t)
    # (1 - q^(s-1)) / (s-1) tends to -log q as s -> 1.
    shape = -log_q if abs(s - 1.0) < 1e-10 else -np.expm1((s - 1.0) * log_q) / (s - 1.0)
    return (r + np.asarray(x, dtype=np.float64)) * (beta + T) / (alpha + T) * shape


def conditional_expected_purchases(params: Mapping[str, float], t, x, t_x, T):
    """E[purchases in (T, T + t] | x, t_x, T]."""
    return p_alive(params, x, t_x, T) * expected_purchases_if_alive(params, t, x, T)


def expected_purchases(params: Mapping[str, float], t):
    """Unconditional E[X(t)] for a customer observed from time 0."""
    return expected_purchases_if_alive(params, t, 0.0, 0.0)


def probability_of_purchases(params: Mapping[str, float], t: float, n):
    """P(X(t) = n) for a new customer (Fader & Hardie 2006 note); moderate n only.

    The bracket is a difference of two close terms, so precision falls as n grows large.
    """
    r, alpha, s, beta = _params(params)
    n_arr = np.atleast_1d(np.asarray(n, dtype=np.float64))
    out = np.empty_like(n_arr)
    for k, x in enumerate(n_arr):
        alive = np.exp(
            gammaln(r + x) - gammaln(r) - gammaln(x + 1) + r * np.log(alpha / (alpha + t))
            + x * np.log(t / (alpha + t)) + s * np.log(beta / (beta + t))
        )
        coef = np.exp(r * np.log(alpha) + s * np.log(beta) + betaln(r + x, s + 1) - betaln(r, s))
        if alpha >= beta:
            b_par, big = s + 1.0, alpha
            z0, zt = (alpha - beta) / alpha, (alpha - beta) / (alpha + t)
        else:
            b_par, big, z0, zt = r + x, beta, (beta - alpha) / beta, (beta - alpha) / (beta + t)
        b1 = hyp2f1(r + s, b_par, r + s + x + 1, z0) / big ** (r + s)
        i = np.arange(x + 1)
        log_terms = (
            gammaln(r + s + i) - gammaln(r + s) - gammaln(i + 1) + i * np.log(t)
            - (r + s + i) * np.log(big + t)
        )
        b2 = np.sum(np.exp(log_terms) * hyp2f1(r + s + i, b_par, r + s + x + 1, zt))
        out[k] = alive + coef * (b1 - b2)
    return out.reshape(np.shape(n)) if np.ndim(n) else float(out[0])


def simulate(params: Mapping[str, float], T, rng: np.random.Generator):
    """Draw (x, t_x) for customers of ages T from the model (for tests and benchmarks)."""
    r, alpha, s, beta = _params(params)
    T = np.asarray(T, dtype=np.float64)
    rate = rng.gamma(r, 1.0 / alpha, T.shape)
    death_rate = rng.gamma(s, 1.0 / beta, T.shape)
    observed = np.minimum(rng.exponential(1.0 / death_rate), T)
    x = rng.poisson(rate * observed)
    # The last of x uniform arrivals on (0, observed].
    t_x = np.where(x > 0, observed * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    return x.astype(np.float64), t_x
