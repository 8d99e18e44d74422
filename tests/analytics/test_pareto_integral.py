"""The Pareto/NBD integral by quadrature, checked against an independent adaptive integration,
and the analytic gradient against central differences of the likelihood."""

import numpy as np
import pytest
from scipy import integrate

from daur.analytics.btyd import _pareto_integral, pareto

ROWS = [  # (x, t_x, T): a one-time buyer, a late buyer, a whale, a purchase on the last day
    (0.0, 0.0, 80.0),
    (1.0, 0.01, 50.0),
    (5.0, 12.0, 30.0),
    (40.0, 9.9, 10.0),
    (2000.0, 1.0, 300.0),
    (3.0, 20.0, 20.0),
    (0.0, 0.0, 1000.0),  # days rather than weeks
    (10.0, 999.0, 1000.0),
    (100.0, 0.5, 700.0),
]


def _log_integral_adaptive(r, alpha, s, beta, x, t_x, T):
    """log of the integral over (t_x, T] by adaptive quadrature in tau, scaled at t_x."""
    if t_x >= T:
        return -np.inf

    def log_f(tau):
        return -(r + x) * np.log(alpha + tau) - (s + 1.0) * np.log(beta + tau)

    ref = log_f(t_x)
    width = T - t_x
    breaks = [t_x + width * 10.0**k for k in range(-9, 0)]
    value, _ = integrate.quad(lambda tau: np.exp(log_f(tau) - ref), t_x, T, points=breaks,
                              limit=500, epsabs=0.0, epsrel=1e-12)
    return ref + np.log(value)


def _parameters(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.exp(rng.uniform(np.log(1e-3), np.log(1e3), size=(n, 4)))


@pytest.mark.parametrize("theta", _parameters(11, 60))
def test_integral_agrees_with_adaptive_quadrature(theta):
    x, t_x, T = (np.array(column) for column in zip(*ROWS, strict=True))
    ours = _pareto_integral.log_integral(*theta, x, t_x, T)
    for k, row in enumerate(ROWS):
        reference = _log_integral_adaptive(*theta, *row)
        if np.isinf(reference):
            assert np.isneginf(ours[k])
        else:
            assert ours[k] == pytest.approx(reference, rel=1e-9, abs=1e-7), (theta, row)


@pytest.mark.parametrize("theta", _parameters(12, 60))
def test_gradient_agrees_with_central_differences(theta):
    x, t_x, T = (np.array(column) for column in zip(*ROWS, strict=True))
    value, grad = _pareto_integral.gradient(*theta, x, t_x, T)
    np.testing.assert_allclose(value, pareto._log_likelihood(*theta, x, t_x, T), rtol=1e-12)
    step = 1e-6
    for i in range(4):
        up, down = theta.copy(), theta.copy()
        up[i] *= np.exp(step)
        down[i] *= np.exp(-step)
        numeric = (pareto._log_likelihood(*up, x, t_x, T)
                   - pareto._log_likelihood(*down, x, t_x, T)) / (2 * step)
        # d/dlog(theta): the optimiser's own coordinates.
        np.testing.assert_allclose(grad[i] * theta[i], numeric, rtol=1e-5, atol=1e-5)


def test_rows_taken_in_blocks_on_threads_give_the_same_numbers_to_the_bit(monkeypatch):
    """Blocks (and the threads that take them) change where the work is done, not its result:
    each row's value and gradient are those of the whole array taken at once."""
    rng = np.random.default_rng(7)
    n = 3 * 2 * 4 * 512 + 17  # blocks of 512 on up to 4 threads, a short last block
    T = rng.integers(1, 1000, n).astype(float)
    x = rng.integers(0, 40, n).astype(float)
    t_x = np.where(x > 0, T * rng.random(n), 0.0)
    t_x[:9] = T[:9]  # bought on the last day: an empty integral
    for theta in ((0.55, 10.6, 0.61, 11.7), (100.6, 6223.0, 234.6, 1.628e5)):
        monkeypatch.setattr(_pareto_integral, "BLOCK", 10**9)
        whole = _pareto_integral.gradient(*theta, x, t_x, T)
        whole_integral = _pareto_integral.log_integral(*theta, x, t_x, T, moments=True)
        monkeypatch.setattr(_pareto_integral, "BLOCK", 512)
        for threads in (1, 4):
            monkeypatch.setattr(_pareto_integral, "THREADS", threads)
            value, grad = _pareto_integral.gradient(*theta, x, t_x, T)
            assert np.array_equal(value, whole[0]) and np.array_equal(grad, whole[1])
            log_i, moments = _pareto_integral.log_integral(*theta, x, t_x, T, moments=True)
            assert np.array_equal(log_i, whole_integral[0])
            assert all(np.array_equal(a, b) for a, b in zip(moments, whole_integral[1], strict=True))
