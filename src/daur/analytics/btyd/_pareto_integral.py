"""The integral at the heart of the Pareto/NBD likelihood, and the likelihood's gradient.

The likelihood of one customer is

    L = G(r+x) a^r b^s / G(r) * [ (a+T)^-(r+x) (b+T)^-s  +  s * I ],
    I = integral over (t_x, T] of (a+tau)^-(r+x) (b+tau)^-(s+1) dtau

("alive at T", or "died at tau, after the last purchase": Schmittlein, Morrison & Colombo 1987;
Fader & Hardie's note on deriving the model). The closed form of I is a Gauss hypergeometric
function whose series needs thousands of terms (and then still errs) when a and b are far apart;
the integral itself is smooth and is taken here by Gauss-Legendre quadrature. The substitution
y = log(c + tau), c = min(a, b), makes the log of the integrand concave in y, so the integrand
falls at least as fast as its tangent at the start: the interval is cut where that bound is e^-50
below the start, and 48 nodes then hold the relative error near 1e-10 for parameters from 1e-3
to 1e3 and thousands of purchases (checked against an adaptive integration in the tests).

The derivatives of I bring down log(a+tau), 1/(a+tau), log(b+tau) and 1/(b+tau): I times an
expectation under the density proportional to the integrand, over the same nodes. So the
gradient costs what the value costs.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln

NODES = 48
_GL_X, _GL_W = np.polynomial.legendre.leggauss(NODES)
# Where the tangent bound of the log-integrand has fallen by this much, the rest is negligible.
TAIL = 50.0


def log_integral(r, alpha, s, beta, x, t_x, T, *, moments: bool = False):
    """log I per row (-inf where t_x = T); with `moments`, also the four expectations
    E[log(a+tau)], E[1/(a+tau)], E[log(b+tau)], E[1/(b+tau)] under the integrand."""
    x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, T)))
    c = min(alpha, beta)
    d_a, d_b = alpha - c, beta - c
    a_pow, b_pow = r + x, s + 1.0
    y0 = np.log(c + t_x)
    e0 = np.exp(y0)
    # log g(y) = y - a_pow log(e^y + d_a) - b_pow log(e^y + d_b) is concave in y.
    slope = 1.0 - a_pow * e0 / (e0 + d_a) - b_pow * e0 / (e0 + d_b)
    with np.errstate(divide="ignore"):
        reach = np.where(slope < 0, TAIL / np.maximum(-slope, 1e-300), np.inf)
    half = (np.minimum(np.log(c + T), y0 + reach) - y0) / 2.0
    empty = ~(half > 0)
    half = np.where(empty, 0.0, half)
    y = y0[..., None] + half[..., None] * (_GL_X + 1.0)
    e = np.exp(y)
    a_plus, b_plus = e + d_a, e + d_b
    log_a, log_b = np.log(a_plus), np.log(b_plus)
    log_g = y - a_pow[..., None] * log_a - b_pow * log_b
    top = log_g.max(axis=-1)
    g = np.exp(log_g - top[..., None]) * _GL_W
    total = g.sum(axis=-1)
    value = np.where(empty, -np.inf, top + np.log(total) + np.log(np.where(empty, 1.0, half)))
    if not moments:
        return value
    expectations = [np.where(empty, 0.0, (g * v).sum(axis=-1) / total)
                    for v in (log_a, 1.0 / a_plus, log_b, 1.0 / b_plus)]
    return value, expectations


def gradient(r, alpha, s, beta, x, t_x, T):
    """(log L per row, d log L / d (r, alpha, s, beta) per row as an array of shape (4, rows))."""
    log_i, (e_log_a, e_inv_a, e_log_b, e_inv_b) = log_integral(
        r, alpha, s, beta, x, t_x, T, moments=True
    )
    rx = r + x
    alive = -rx * np.log(alpha + T) - s * np.log(beta + T)
    died = np.log(s) + log_i
    mix = np.logaddexp(alive, died)
    w_alive = np.exp(alive - mix)
    w_died = np.exp(died - mix)
    value = gammaln(rx) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + mix
    d_r = (digamma(rx) - digamma(r) + np.log(alpha)
           - w_alive * np.log(alpha + T) - w_died * e_log_a)
    d_alpha = r / alpha - w_alive * rx / (alpha + T) - w_died * rx * e_inv_a
    d_s = np.log(beta) - w_alive * np.log(beta + T) + w_died * (1.0 / s - e_log_b)
    d_beta = s / beta - w_alive * s / (beta + T) - w_died * (s + 1.0) * e_inv_b
    return value, np.stack([d_r, d_alpha, d_s, d_beta])
