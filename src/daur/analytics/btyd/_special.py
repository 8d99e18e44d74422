"""Special functions for the BTYD models: a guarded Gauss hypergeometric function for the
BG/NBD-family expectations, and log-gamma, digamma and trigamma for positive arguments in
numpy alone (the Gamma-Gamma fit of `daur fit` then does not import scipy.special, a fifth of
the process's time on a million customers).
"""

from __future__ import annotations

import math

import numpy as np

# scipy's hyp2f1 returns inf or nan on the branch where c - a - b is an integer (it happens for
# parameters such as r = a = b = 1.5), although the function is finite and continuous there.
NUDGE = 1e-9


def hyp2f1_guarded(a, b, c, z):
    """2F1(a, b; c; z) for 0 <= z < 1, stepping off scipy's degenerate integer branch."""
    from scipy.special import hyp2f1

    value = np.asarray(hyp2f1(a, b, c, z), dtype=np.float64)
    bad = ~np.isfinite(value)
    if not bad.any():
        return value
    shape = np.broadcast(a, b, c, z).shape
    a, b, c, z = (np.broadcast_to(np.asarray(v, dtype=np.float64), shape) for v in (a, b, c, z))
    value = np.array(np.broadcast_to(value, shape))
    # Both sides of the integer: their mean is exact to the order of NUDGE squared.
    above = hyp2f1(a[bad], b[bad], c[bad] * (1 + NUDGE), z[bad])
    below = hyp2f1(a[bad], b[bad], c[bad] * (1 - NUDGE), z[bad])
    value[bad] = (above + below) / 2.0
    return value


# The asymptotic series below are used from this argument on (recurrences shift smaller ones):
# their first omitted terms are below 1e-17 relative there.
_ASYMPTOTIC_FROM = 10.0
# Bernoulli numbers B_2k / 2k for digamma's series and B_2k for trigamma's, k = 1..7.
_DIGAMMA_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)
_TRIGAMMA_SERIES = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


def log_gamma(x) -> np.ndarray:
    """log Gamma(x) for x > 0, elementwise (the C library's lgamma; meant for a few hundred
    distinct values, such as one per repeat-purchase count)."""
    x = np.asarray(x, dtype=np.float64)
    return np.array([math.lgamma(v) for v in x.ravel()], dtype=np.float64).reshape(x.shape)


def _shifted(x) -> tuple[np.ndarray, list[np.ndarray]]:
    """x moved to at least _ASYMPTOTIC_FROM by steps of 1, and the values stepped over."""
    x = np.array(x, dtype=np.float64, ndmin=1)
    passed = []
    while True:
        low = x < _ASYMPTOTIC_FROM
        if not low.any():
            return x, passed
        passed.append(np.where(low, x, np.inf))
        x = np.where(low, x + 1.0, x)


def _by_recurrence(x, coefficients, asymptotic, step) -> np.ndarray:
    """A function of x > 0 from its asymptotic series at x shifted to at least _ASYMPTOTIC_FROM,
    stepped back down by its recurrence.

    `asymptotic(y, series)` gives the value at the shifted y, where series = sum c_k / y^2k over
    `coefficients`; `step(v)` is added for each value v stepped over."""
    shape = np.shape(x)
    y, passed = _shifted(x)
    inv2 = 1.0 / (y * y)
    series = np.zeros_like(y)
    for c in coefficients[::-1]:
        series = (series + c) * inv2
    value = asymptotic(y, series)
    for v in passed:
        value += step(v)
    return value.reshape(shape)


def digamma(x) -> np.ndarray:
    """psi(x) = d/dx log Gamma(x) for x > 0: psi(x) = psi(x + 1) - 1/x, then the asymptotic
    series ln x - 1/(2x) - sum B_2k / (2k x^2k)."""
    return _by_recurrence(
        x, _DIGAMMA_SERIES, lambda y, series: np.log(y) - 0.5 / y - series, lambda v: -1.0 / v
    )


def trigamma(x) -> np.ndarray:
    """psi'(x) for x > 0: psi'(x) = psi'(x + 1) + 1/x^2, then the asymptotic series
    1/x + 1/(2x^2) + sum B_2k / x^(2k+1)."""
    return _by_recurrence(
        x, _TRIGAMMA_SERIES, lambda y, series: (1.0 + 0.5 / y + series) / y, lambda v: 1.0 / (v * v)
    )
