"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005): expected average order value."""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
from scipy.special import digamma, gammaln

from daur.analytics.btyd._fit import FitError, FitResult, coarse_rows, collapse_rows, maximise

MODEL = "ggamma"
PARAM_NAMES = ("p", "q", "gamma")


def fit(x, mean_value, *, weights=None) -> FitResult:
    """Fit on customers' repeat-purchase counts x and mean repeat order values (zbar).

    Rows with x = 0 carry no repeat spend and are ignored. Identical (x, zbar) rows are
    collapsed into weights. Raises FitError when fewer than two customers remain or a mean
    value is not positive.
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
    (x, m), w, _ = collapse_rows(x, m, weights=w)
    neg_ll = make_neg_log_likelihood(x, m, w)
    part = coarse_rows(x.size)
    coarse = None
    if part is not None:
        coarse = make_neg_log_likelihood(x[part], m[part], w[part] * (w.sum() / w[part].sum()))
    mean = float(w @ m / w.sum())
    return maximise(
        MODEL, PARAM_NAMES, neg_ll, np.array([2.0, 3.0, mean]),
        n_customers=float(w.sum()), n_unique_rows=x.size, started=started, coarse=coarse,
    )


def make_neg_log_likelihood(x, m, weights):
    """-LL and its analytic gradient in (p, q, gamma) over collapsed rows."""
    ux, xi = np.unique(x, return_inverse=True)
    wx = np.bincount(xi, weights=weights)
    # Terms constant across iterations are summed once.
    sum_wx_log_mx = weights @ (x * (np.log(m) + np.log(x)))
    sum_w_log_m = weights @ np.log(m)
    n = weights.sum()
    xm = x * m

    def neg_ll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, g = theta
        log_xm_g = np.log(xm + g)
        per_x = gammaln(p * ux + q) - gammaln(p * ux) - gammaln(q)
        ll = (
            wx @ per_x + n * q * np.log(g) + p * sum_wx_log_mx - sum_w_log_m
            - weights @ ((p * x + q) * log_xm_g)
        )
        psi_pxq = digamma(p * ux + q)
        d_p = wx @ (ux * (psi_pxq - digamma(p * ux))) + sum_wx_log_mx - weights @ (x * log_xm_g)
        d_q = wx @ (psi_pxq - digamma(q)) + n * np.log(g) - weights @ log_xm_g
        d_g = n * q / g - weights @ ((p * x + q) / (xm + g))
        return -ll, -np.array([d_p, d_q, d_g])

    return neg_ll


def expected_order_value(params: Mapping[str, float], x, mean_value):
    """E[average order value | x, zbar]; the population mean where x = 0 (zbar ignored there)."""
    p, q, g = params["p"], params["q"], params["gamma"]
    x = np.asarray(x, dtype=np.float64)
    m = np.where(x > 0, mean_value, 0.0)
    return p * (g + x * m) / (p * x + q - 1.0)


def simulate(params: Mapping[str, float], x, rng: np.random.Generator):
    """Draw zbar for customers with x repeat purchases (x > 0) from the model."""
    p, q, g = params["p"], params["q"], params["gamma"]
    x = np.asarray(x, dtype=np.float64)
    nu = rng.gamma(q, 1.0 / g, x.shape)
    # The mean of x Gamma(p, nu) amounts is Gamma(p x, nu x).
    return rng.gamma(p * x, 1.0 / (nu * x))
