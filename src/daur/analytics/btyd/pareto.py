"""Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): fit, P(alive), expected purchases."""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1

from daur.analytics.btyd._fit import (
    FitResult,
    check_btyd_data,
    fit_with_fallbacks,
    sufficient_stats,
)
from daur.analytics.btyd.bgnbd import NO_DROPOUT, ONE_RATE, check_identifiable

MODEL = "pareto"
PARAM_NAMES = ("r", "alpha", "s", "beta")
# Central differences in log-parameters: the derivatives of 2F1 in its parameters have no
# closed form in scipy, so Pareto/NBD is the one model whose gradient is numerical.
GRADIENT_STEP = 1e-5
LOOP_TERMS = 200
MAX_SERIES_TERMS = 2_000
LIMITS = {
    ("s", "lower"): NO_DROPOUT,
    ("beta", "upper"): NO_DROPOUT,
    ("r", "upper"): ONE_RATE,
    ("alpha", "upper"): ONE_RATE,
}


def fit(x, t_x, T, *, weights=None) -> FitResult:
    """Maximum-likelihood fit on (x, t_x, T); identical rows are collapsed into weights.

    No analytic Hessian: the fallback order of `fit_with_fallbacks` starts at quasi-Newton.
    """
    started = time.perf_counter()
    stats = sufficient_stats(x, t_x, T, weights)
    check_btyd_data(stats.x, stats.t_x, stats.T)
    check_identifiable(stats.x, stats.weights)
    x, t_x, T, w = stats.x, stats.t_x, stats.T, stats.weights

    def total(theta: np.ndarray) -> float:
        return float(w @ _log_likelihood(*theta, x, t_x, T))

    def neg_ll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value = total(theta)
        grad = np.empty(4)
        for i in range(4):
            up, down = theta.copy(), theta.copy()
            up[i] *= np.exp(GRADIENT_STEP)
            down[i] *= np.exp(-GRADIENT_STEP)
            # d/dlog(theta) divided by theta gives d/dtheta, which the optimisers expect.
            grad[i] = (total(up) - total(down)) / (2 * GRADIENT_STEP) / theta[i]
        return -value, -grad

    rate = float(w @ x / (w @ T))
    start = np.array([1.0, 1.0 / max(rate, 1e-6), 1.0, float(w @ T / w.sum())])
    return fit_with_fallbacks(
        MODEL,
        PARAM_NAMES,
        neg_ll,
        start,
        n_customers=stats.n_customers,
        n_unique_rows=x.size,
        started=started,
        limits=LIMITS,
    )


def _params(params: Mapping[str, float]) -> tuple[float, float, float, float]:
    return params["r"], params["alpha"], params["s"], params["beta"]


def _log_f(r, alpha, s, beta, x, y):
    """log of 2F1(r+s+x, B; r+s+x+1; z) / (max(alpha, beta) + y)^(r+s+x), the A0 building block.

    Pfaff's transformation applied twice gives (1-z)^(1-B) 2F1(1, r+s+x+1-B; r+s+x+1; z): a
    series of positive terms with 0 <= z < 1, summed here because scipy's hyp2f1 is wrong for
    some of the arguments met in practice. Large powers stay in log space (x in the thousands).
    """
    rsx = r + s + x
    if alpha >= beta:
        big, small, b_par = alpha, beta, s + 1.0
    else:
        big, small, b_par = beta, alpha, r + x
    log_one_minus_z = np.log(small + y) - np.log(big + y)
    z = -np.expm1(log_one_minus_z)
    series = _positive_series(rsx + 1.0 - b_par, rsx + 1.0, z)
    return (1.0 - b_par) * log_one_minus_z + np.log(series) - rsx * np.log(big + y)


def _positive_series(b, c, z):
    """2F1(1, b; c; z) = sum_n (b)_n / (c)_n z^n for 0 < b < c and 0 <= z < 1.

    Each term is below z times the previous one, so a row stops after about log(eps)/log(z)
    terms. The first LOOP_TERMS terms are added one at a time over all rows; the few rows that
    need more (z near 1) continue alone, their terms formed in blocks (a cumulative product per
    row). After MAX_SERIES_TERMS (z within about 2e-2 of 1: extreme parameters, which the fit
    passes through in its line searches but the optimum of real data does not reach) the
    rest of a row's series is summed as a geometric series at the ratio of the terms where
    most of that rest lies.
    """
    b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (b, c, z)))
    term = np.ones(z.shape)
    total = np.ones(z.shape)
    n = 0.0
    active = np.ones(z.shape, dtype=bool)
    while active.any() and n < LOOP_TERMS:
        term = np.where(active, term * (b + n) / (c + n) * z, 0.0)
        total += term
        active = term > 1e-17 * total
        n += 1.0
    if not active.any():
        return total
    rows = np.flatnonzero(active.reshape(-1))
    flat = total.reshape(-1)
    b, c, z, term, acc = (v.reshape(-1)[rows] for v in (b, c, z, term, total))
    block = 64
    while rows.size and n < MAX_SERIES_TERMS:
        k = np.arange(n, n + block)
        terms = term[:, None] * np.cumprod((b[:, None] + k) / (c[:, None] + k) * z[:, None], axis=1)
        partial = acc[:, None] + np.cumsum(terms, axis=1)
        stop = terms <= 1e-17 * partial
        done = stop.any(axis=1)
        flat[rows[done]] = partial[done, np.argmax(stop[done], axis=1)]
        going = ~done
        rows, b, c, z = rows[going], b[going], c[going], z[going]
        term, acc = terms[going, -1], partial[going, -1]
        n += block
        block = int(min(2 * block, 4096, max(64, (1 << 20) // max(rows.size, 1))))
    if rows.size:
        ratio = (b + n) / (c + n) * z
        ratio = (b + n + 1.0 / (1.0 - ratio)) / (c + n + 1.0 / (1.0 - ratio)) * z
        flat[rows] = acc + term * ratio / (1.0 - ratio)
    return total


def _log_a0(r, alpha, s, beta, x, t_x, T):
    f_tx = _log_f(r, alpha, s, beta, x, t_x)
    f_T = _log_f(r, alpha, s, beta, x, T)
    with np.errstate(divide="ignore"):
        return f_tx + np.log1p(-np.exp(np.minimum(f_T - f_tx, 0.0)))


def _log_likelihood(r, alpha, s, beta, x, t_x, T):
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    died = np.log(s) - np.log(r + s + x) + _log_a0(r, alpha, s, beta, x, t_x, T)
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
        np.log(s)
        - np.log(r + s + x)
        + (r + x) * np.log(alpha + T)
        + s * np.log(beta + T)
        + _log_a0(r, alpha, s, beta, x, t_x, T)
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
            gammaln(r + x)
            - gammaln(r)
            - gammaln(x + 1)
            + r * np.log(alpha / (alpha + t))
            + x * np.log(t / (alpha + t))
            + s * np.log(beta / (beta + t))
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
            gammaln(r + s + i)
            - gammaln(r + s)
            - gammaln(i + 1)
            + i * np.log(t)
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
