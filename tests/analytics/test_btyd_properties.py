"""Properties of the BTYD models: probabilities, monotonicity, recovery of simulated parameters."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import hyp2f1

from daur.analytics.btyd import bgnbd, gamma_gamma, mbgnbd, pareto
from daur.analytics.btyd._fit import FitError, merge_stats, sufficient_stats

CDNOW_BGNBD = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
CDNOW_PARETO = {"r": 0.5532, "alpha": 10.5763, "s": 0.6062, "beta": 11.6715}
CDNOW_MBGNBD = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
MODELS = [(bgnbd, CDNOW_BGNBD), (pareto, CDNOW_PARETO), (mbgnbd, CDNOW_MBGNBD)]

# Hypothesis favours round numbers; exactly integer shape parameters hit degenerate branches
# of scipy's hyp2f1 (c - a - b an integer) that fitted parameters never meet.
def not_integer(value: float) -> bool:
    return abs(value - round(value)) > 1e-6


positive = st.floats(0.05, 20.0).filter(not_integer)


@st.composite
def customers(draw):
    T = draw(st.floats(0.5, 200.0))
    x = draw(st.integers(0, 300))
    t_x = 0.0 if x == 0 else draw(st.floats(0.01, 1.0)) * T
    return float(x), t_x, T


@st.composite
def purchase_params(draw):
    return {
        "r": draw(positive),
        "alpha": draw(positive),
        "a": draw(st.floats(0.05, 5.0).filter(not_integer)),
        "b": draw(positive),
        "s": draw(st.floats(0.05, 5.0).filter(not_integer)),
        "beta": draw(positive),
    }


@pytest.mark.parametrize("model", [bgnbd, pareto, mbgnbd], ids=lambda m: m.MODEL)
@settings(max_examples=60, deadline=None)
@given(params=purchase_params(), customer=customers(), t=st.floats(0.1, 100.0))
def test_probabilities_and_expectations_are_sane(model, params, customer, t):
    x, t_x, T = customer
    alive = model.p_alive(params, x, t_x, T)
    assert 0.0 <= alive <= 1.0
    # Older without a purchase since t_x: less likely to be alive.
    assert model.p_alive(params, x, t_x, T + 10.0) <= alive + 1e-12
    near = model.conditional_expected_purchases(params, t, x, t_x, T)
    far = model.conditional_expected_purchases(params, 2 * t, x, t_x, T)
    assert np.isfinite(far) and 0.0 <= near <= far * (1 + 1e-9) + 1e-12
    assert 0.0 <= model.expected_purchases(params, t) <= model.expected_purchases(params, 2 * t)


@pytest.mark.parametrize(("model", "params"), MODELS, ids=lambda m: getattr(m, "MODEL", ""))
@pytest.mark.parametrize("t", [1.0, 39.0, 78.0])
def test_purchase_count_distribution_sums_to_one_and_matches_the_mean(model, params, t):
    # The NBD tail is long: the mean needs counts far beyond where the mass is.
    n = np.arange(120 if model is pareto else 3000)
    probabilities = model.probability_of_purchases(params, t, n)
    assert ((probabilities >= -1e-12) & (probabilities <= 1)).all()
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert (n * probabilities).sum() == pytest.approx(
        model.expected_purchases(params, t), rel=1e-3 if model is pareto else 1e-6
    )


@settings(max_examples=60, deadline=None)
@given(params=purchase_params(), customer=customers(), t=st.floats(0.1, 60.0))
def test_bgnbd_euler_transformation_equals_the_paper_formula(params, customer, t):
    x, _, T = customer
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    z = t / (alpha + T + t)
    direct_tail = ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(
        r + x, b + x, a + b + x - 1, z
    )
    if not np.isfinite(direct_tail) or x > 40 or abs(a - 1) < 1e-3:
        return  # the paper's form overflows or loses precision here; that is why we transform
    direct = (a + b + x - 1) / (a - 1) * (1 - direct_tail)
    ours = bgnbd.expected_purchases_if_alive(params, t, x, T)
    assert ours == pytest.approx(direct, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("model", [bgnbd, pareto, mbgnbd], ids=lambda m: m.MODEL)
def test_no_overflow_for_thousands_of_purchases(model):
    params = dict(CDNOW_BGNBD, **{k: v for k, v in CDNOW_PARETO.items() if k in ("s", "beta")})
    x = np.array([0.0, 1.0, 2500.0, 5000.0, 5000.0])
    t_x = np.array([0.0, 10.0, 70.0, 77.9, 5.0])
    T = np.full(5, 78.0)
    alive = model.p_alive(params, x, t_x, T)
    expected = model.conditional_expected_purchases(params, 52.0, x, t_x, T)
    assert np.isfinite(alive).all() and np.isfinite(expected).all()
    assert alive[3] > 0.5 and alive[4] < 1e-6
    # An active heavy buyer keeps buying at up to its own posterior rate, less some dropout.
    rate_bound = (params["r"] + 5000) / (params["alpha"] + 78) * 52
    assert 0.6 * rate_bound < expected[3] < rate_bound
    assert np.isfinite(model.log_likelihood(params, x, t_x, T)).all()


# Frequent buyers observed for a year, in days: far from CDNOW's parameters.
DAILY = {
    "bgnbd": {"r": 2.0, "alpha": 30.0, "a": 0.5, "b": 5.0},
    "pareto": {"r": 1.5, "alpha": 20.0, "s": 1.2, "beta": 60.0},
    "mbgnbd": {"r": 1.0, "alpha": 15.0, "a": 1.5, "b": 6.0},
}


@pytest.mark.parametrize(
    ("model", "truth", "ages", "rel"),
    [(bgnbd, CDNOW_BGNBD, (27.0, 39.0), 0.15), (pareto, CDNOW_PARETO, (27.0, 39.0), 0.35),
     (mbgnbd, CDNOW_MBGNBD, (27.0, 39.0), 0.5),
     (bgnbd, DAILY["bgnbd"], (100.0, 400.0), 0.3), (pareto, DAILY["pareto"], (100.0, 400.0), 0.5),
     (mbgnbd, DAILY["mbgnbd"], (100.0, 400.0), 0.5)],
    ids=["bgnbd", "pareto", "mbgnbd", "bgnbd-daily", "pareto-daily", "mbgnbd-daily"],
)
def test_simulated_customers_give_back_the_parameters(model, truth, ages, rel):
    rng = np.random.default_rng(2024)
    T = rng.uniform(*ages, 20_000)
    x, t_x = model.simulate(truth, T, rng)
    fit = model.fit(x, t_x, T)
    assert fit.converged, fit.message
    assert fit.method == ("newton" if model is bgnbd else "quasi_newton")
    for name, value in truth.items():
        # Within three standard errors, and within a loose relative band.
        assert abs(fit.params[name] - value) <= 3 * fit.standard_errors[name], name
        assert fit.params[name] == pytest.approx(value, rel=rel), name


@pytest.mark.parametrize("truth", [{"p": 6.25, "q": 3.74, "gamma": 15.44},
                                   {"p": 1.2, "q": 1.6, "gamma": 40.0}], ids=["cdnow", "skewed"])
def test_gamma_gamma_gives_back_simulated_parameters(truth):
    rng = np.random.default_rng(7)
    x = rng.integers(1, 10, 20_000).astype(float)
    fit = gamma_gamma.fit(x, gamma_gamma.simulate(truth, x, rng))
    assert fit.converged and fit.method == "newton"
    for name, value in truth.items():
        assert abs(fit.params[name] - value) <= 3 * fit.standard_errors[name], name
    value = gamma_gamma.expected_order_value(fit.params, np.array([0, 1, 100]), [np.nan, 50, 50])
    assert np.isfinite(value).all() and value[2] == pytest.approx(50, rel=0.02)


def test_weights_and_merged_worker_counts_give_the_same_fit(cdnow_summary):
    s = cdnow_summary
    whole = bgnbd.fit(s.x, s.t_x, s.T)
    half = s.n_customers // 2
    parts = [
        sufficient_stats(s.x[:half], s.t_x[:half], s.T[:half]),
        sufficient_stats(s.x[half:], s.t_x[half:], s.T[half:]),
    ]
    merged = merge_stats(parts)
    assert merged.n_customers == s.n_customers
    again = bgnbd.fit(merged.x, merged.t_x, merged.T, weights=merged.weights)
    assert again.n_customers == whole.n_customers
    for name in whole.params:
        assert again.params[name] == pytest.approx(whole.params[name], rel=1e-6)
    assert again.log_likelihood == pytest.approx(whole.log_likelihood, rel=1e-10)


@pytest.mark.parametrize("model", [bgnbd, pareto, mbgnbd], ids=lambda m: m.MODEL)
def test_data_that_cannot_identify_the_model_is_refused(model):
    with pytest.raises(FitError, match="x = 0"):
        model.fit(np.zeros(50), np.zeros(50), np.full(50, 30.0))
    with pytest.raises(FitError, match="two customers"):
        model.fit([3.0], [10.0], [30.0])
    with pytest.raises(FitError, match="between 0 and T"):
        model.fit([1.0, 2.0], [40.0, 5.0], [30.0, 30.0])
    with pytest.raises(FitError):
        model.fit([1.0, np.nan], [4.0, 5.0], [30.0, 30.0])


def test_unidentified_fit_is_not_reported_as_converged():
    # Everyone buys at the same pace and nobody drops out: b runs off to its bound.
    rng = np.random.default_rng(3)
    T = np.full(2000, 52.0)
    x = rng.poisson(10.0, T.size).astype(float)
    t_x = np.where(x > 0, 52.0 - rng.exponential(0.01, T.size), 0.0)
    fit = bgnbd.fit(x, t_x, T)
    assert all(np.isfinite(v) for v in fit.params.values()) or not fit.converged
    if not fit.converged:
        assert fit.message


@pytest.mark.parametrize("model", [bgnbd, mbgnbd], ids=lambda m: m.MODEL)
def test_expectations_stay_finite_where_scipys_hyp2f1_is_degenerate(model):
    # r = a = b = 1.5 puts scipy's hyp2f1 on its integer c - a - b branch (it returns -inf).
    params = {"r": 1.5, "alpha": 1.5, "a": 1.5, "b": 1.5}
    at = model.conditional_expected_purchases(params, 24.0, 98.0, 1.0, 1.0)
    below = model.conditional_expected_purchases(params, 23.99, 98.0, 1.0, 1.0)
    above = model.conditional_expected_purchases(params, 24.01, 98.0, 1.0, 1.0)
    assert np.isfinite(at) and below < at < above


def _numeric_hessian(neg_ll, theta):
    hess = np.empty((theta.size, theta.size))
    for i in range(theta.size):
        step = np.zeros(theta.size)
        step[i] = 1e-6 * theta[i]
        hess[i] = (neg_ll(theta + step, 1)[1] - neg_ll(theta - step, 1)[1]) / (2 * step[i])
    return hess


@pytest.mark.parametrize("theta", [(0.3, 5.0, 0.7, 2.0), (1.5, 1.5, 1.5, 1.5), (2.0, 0.3, 3.0, 0.5)])
def test_bgnbd_newton_likelihood_matches_the_direct_one_and_its_hessian(theta):
    rng = np.random.default_rng(3)
    T = rng.integers(189, 274, 5000) / 7
    x, t_x = bgnbd.simulate(CDNOW_BGNBD, T, rng)
    s = sufficient_stats(x, t_x, T)
    theta = np.array(theta)
    newton = bgnbd.make_neg_log_likelihood_newton(s.x, s.t_x, s.T, s.weights)
    value, grad, hess = newton(theta, 2)
    direct_value, direct_grad = bgnbd.make_neg_log_likelihood(s.x, s.t_x, s.T, s.weights)(theta)
    assert value == pytest.approx(direct_value, rel=1e-12)
    np.testing.assert_allclose(grad, direct_grad, rtol=1e-9, atol=1e-9 * abs(direct_grad).max())
    np.testing.assert_allclose(hess, _numeric_hessian(newton, theta), rtol=1e-5,
                               atol=1e-6 * abs(hess).max())


def test_gamma_gamma_hessian_matches_its_gradient():
    rng = np.random.default_rng(4)
    x = rng.integers(1, 30, 3000).astype(float)
    m = gamma_gamma.simulate({"p": 6.25, "q": 3.74, "gamma": 15.44}, x, rng)
    neg_ll = gamma_gamma.make_neg_log_likelihood(x, m, np.ones_like(x))
    for theta in (np.array([6.0, 3.0, 15.0]), np.array([1.0, 1.0, 1.0])):
        hess = neg_ll(theta, 2)[2]
        np.testing.assert_allclose(hess, _numeric_hessian(neg_ll, theta), rtol=1e-5,
                                   atol=1e-6 * abs(hess).max())


def test_grid_collapse_equals_the_sorting_collapse(monkeypatch):
    from daur.analytics.btyd import _rows

    rng = np.random.default_rng(5)
    n = 3000
    x = rng.integers(0, 40, n).astype(float)
    days = rng.integers(0, 300, n) / 7  # recency in weeks from whole days
    cents = np.round(rng.gamma(2.0, 10.0, n), 2)
    off_grid = rng.random(n)
    weights = rng.random(n)
    cases = [(x, days, days + 1), (x, cents), (x, off_grid), (days,)]
    on = [_rows.collapse_rows(*c, weights=weights) for c in cases]
    monkeypatch.setattr(_rows, "_collapse_on_grid", lambda cols, w, inverse: None)
    off = [_rows.collapse_rows(*c, weights=weights) for c in cases]
    for (cols_a, w_a, inv_a), (cols_b, w_b, inv_b) in zip(on, off):
        assert all(np.array_equal(a, b) for a, b in zip(cols_a, cols_b))
        np.testing.assert_allclose(w_a, w_b, rtol=1e-12)
        assert np.array_equal(inv_a, inv_b)


def test_bgnbd_expectations_stay_finite_for_a_fit_at_the_dropout_bound():
    # b at the optimiser's bound (e**12) means no dropout: the NBD limit (r + x) t / (alpha + T).
    params = {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": float(np.exp(12.0))}
    x, t_x, T = np.array([0.0, 3.0, 30.0]), np.array([0.0, 50.0, 300.0]), np.array([100.0] * 3)
    expected = bgnbd.conditional_expected_purchases(params, 90.0, x, t_x, T)
    assert np.isfinite(expected).all()
    alive = bgnbd.p_alive(params, x, t_x, T)
    assert expected == pytest.approx(alive * (0.5 + x) * 90.0 / 110.0, rel=1e-3)


def test_numpy_special_functions_equal_scipys():
    from scipy.special import digamma, gammaln, polygamma

    from daur.analytics.btyd import _special

    x = np.concatenate([np.geomspace(1e-6, 1e7, 4001), np.linspace(0.01, 30.0, 3001)])
    np.testing.assert_allclose(_special.log_gamma(x), gammaln(x), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(_special.digamma(x), digamma(x), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(_special.trigamma(x), polygamma(1, x), rtol=1e-13)
    assert _special.digamma(1.0) == pytest.approx(-0.5772156649015329, rel=1e-15)
    assert _special.trigamma(1.0) == pytest.approx(np.pi**2 / 6, rel=1e-15)


def test_newton_from_a_subset_of_many_rows_reaches_the_same_optimum():
    from daur.analytics.btyd._optimise import newton

    rng = np.random.default_rng(6)
    T = np.round(rng.uniform(27.0, 39.0, 120_000), 2)  # continuous ages: few rows coincide
    x, t_x = bgnbd.simulate(CDNOW_BGNBD, T, rng)
    t_x = np.where(x > 0, np.clip(np.round(t_x, 2), 0.01, T), 0.0)
    s = sufficient_stats(x, t_x, T)
    assert s.x.size > 40_000  # enough rows for the subset start
    neg_ll = bgnbd.make_neg_log_likelihood_newton(s.x, s.t_x, s.T, s.weights)
    start = bgnbd.newton_start(s)
    assert not np.allclose(start, bgnbd.start_values(s.x, s.T, s.weights))
    plain = newton(neg_ll, bgnbd.start_values(s.x, s.T, s.weights), n_customers=s.n_customers)
    warm = bgnbd.fit(x, t_x, T)
    assert warm.converged and warm.method == "newton" and plain.success
    assert warm.iterations < plain.iterations
    for name, value in zip(bgnbd.PARAM_NAMES, np.exp(plain.log_theta)):
        assert warm.params[name] == pytest.approx(value, rel=1e-7)
        assert warm.params[name] == pytest.approx(CDNOW_BGNBD[name], rel=0.1)
    assert warm.log_likelihood == pytest.approx(-plain.neg_ll, rel=1e-12)


@pytest.mark.parametrize("values", [
    np.array([3.0, 1.0, 3.0, 0.5, 1.0]) / 7,  # days in weeks
    np.round(np.random.default_rng(7).gamma(2.0, 10.0, 2000), 2),  # cents
    np.random.default_rng(8).random(500),  # on no grid
    np.array([-2.0, 5.0, -2.0]),
])
def test_unique_inverse_equals_numpys(values):
    from daur.analytics.btyd._rows import unique_inverse

    unique, inverse = unique_inverse(values)
    expected_unique, expected_inverse = np.unique(values, return_inverse=True)
    assert np.array_equal(unique, expected_unique)
    assert np.array_equal(inverse, expected_inverse)
    assert np.array_equal(unique[inverse], values)
