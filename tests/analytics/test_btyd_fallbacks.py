"""The fallback order of the fits (Newton -> quasi-Newton -> boundary) on data that break Newton.

Every fit returns finite parameters and the method that produced them, and raises FitError
only when the data cannot identify the model.
"""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daur.analytics.btyd import _fit, bgnbd, gamma_gamma, mbgnbd, pareto
from daur.analytics.btyd._fit import METHODS, FitError
from daur.analytics.btyd._optimise import Optimum

PURCHASE_MODELS = [bgnbd, mbgnbd, pareto]
MODEL_IDS = [m.MODEL for m in PURCHASE_MODELS]
SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_usable(fit):
    """Finite positive parameters, a method, and converged/boundary reported consistently."""
    assert fit.method in METHODS
    assert all(math.isfinite(v) and v > 0 for v in fit.params.values()), fit.params
    assert math.isfinite(fit.log_likelihood)
    if fit.method == "boundary":
        assert not fit.converged and fit.at_bound
        assert fit.message.startswith("parameter at its bound")
        assert all(name in fit.message for name in fit.at_bound)
    if fit.converged:
        assert not fit.at_bound and fit.method != "boundary"


def fit_or_refuse(model, *columns):
    """Identifiable data must be fitted; the rest refused with FitError and nothing else."""
    x = np.asarray(columns[0])
    repeat = (x > 0).sum() >= 2 if model is gamma_gamma else (x > 0).any()
    if x.size >= 2 and repeat:
        fit = model.fit(*columns)
        assert_usable(fit)
        return fit
    with pytest.raises(FitError):
        model.fit(*columns)
    return None


def failed_newton(neg_ll, start, *, n_customers, **_):
    """A Newton run that gives up where it starts (a planted failure)."""
    value = float(neg_ll(np.asarray(start, dtype=float), 0)[0])
    return Optimum(np.log(start), value, np.full((len(start),) * 2, np.nan), 0, False,
                   "planted failure")


def without_newton(fit_function, *args):
    with mock.patch.object(_fit, "newton", failed_newton):
        return fit_function(*args)


def log_uniform(lo, hi):
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


@st.composite
def purchase_bases(draw, model):
    """A base simulated by `model` with parameters over wide ranges, ages in one or many days."""
    params = {"r": draw(log_uniform(0.02, 50.0)), "alpha": draw(log_uniform(0.05, 500.0))}
    if model is pareto:
        params |= {"s": draw(log_uniform(0.05, 10.0)), "beta": draw(log_uniform(0.05, 500.0))}
    else:
        params |= {"a": draw(log_uniform(0.05, 20.0)), "b": draw(log_uniform(0.05, 50.0))}
    n = draw(st.integers(1, 100 if model is pareto else 2000))
    horizon = draw(log_uniform(0.5, 400.0))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    ages = draw(st.sampled_from(["spread", "one day", "all new but two"]))
    if ages == "spread":
        T = rng.uniform(0.0, horizon, n)
    elif ages == "one day":
        T = np.full(n, horizon)
    else:  # everyone first bought on the last day but two customers
        T = np.zeros(n)
        T[:2] = horizon
    x, t_x = model.simulate(params, T, rng)
    return x, t_x, T


@pytest.mark.parametrize("model", PURCHASE_MODELS, ids=MODEL_IDS)
@settings(SLOW, max_examples=20)
@given(data=st.data())
def test_purchase_fits_over_wide_parameters_are_usable(model, data):
    # Pareto/NBD's numerical gradient makes each of its fits far slower: fewer examples.
    if model is pareto and data.draw(st.integers(0, 3), label="pareto subsample"):
        return
    x, t_x, T = data.draw(purchase_bases(model))
    fit = fit_or_refuse(model, x, t_x, T)
    if fit is not None and fit.method == "newton":
        # Where Newton converges, the quasi-Newton step alone reaches the same maximum; on a
        # weakly identified base it may instead drift along a flat ridge to a bound, and then
        # says so (a boundary solution) and claims no better likelihood than Newton's maximum.
        again = without_newton(model.fit, x, t_x, T)
        if again.method == "quasi_newton":
            assert again.log_likelihood == pytest.approx(fit.log_likelihood, abs=1e-6 * x.size)
        else:
            assert again.method == "boundary" and again.at_bound and not again.converged
            assert again.log_likelihood <= fit.log_likelihood + 1e-6 * x.size


@st.composite
def spend_bases(draw):
    """Repeat counts and mean order values from Gamma-Gamma, heavy tails (q <= 1) included;
    or each customer's one constant amount; or whales with thousands of orders."""
    p, q = draw(log_uniform(0.05, 100.0)), draw(log_uniform(0.3, 100.0))
    gamma = draw(log_uniform(0.01, 1e5))
    n = draw(st.integers(1, 3000))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    most = draw(st.sampled_from([1, 5, 50, 5000]))
    x = rng.integers(0, most + 1, n).astype(float)
    kind = draw(st.sampled_from(["model", "constant", "prices"]))
    if kind == "model":
        m = np.where(x > 0, gamma_gamma.simulate({"p": p, "q": q, "gamma": gamma},
                                                 np.maximum(x, 1), rng), 0.0)
    elif kind == "constant":  # a customer's orders all cost the same: zbar is that amount
        m = np.round(rng.lognormal(draw(st.floats(0, 15)), draw(st.floats(0.01, 3)), n), 2)
    else:  # a catalogue of three prices, one per customer
        m = rng.choice([9.99, 19.99, 49.5], n)
    # A mean of amounts underflows to 0 only for absurd parameters: not a spend.
    return x, np.where(m > 0, m, 1.0)


@settings(SLOW, max_examples=60)
@given(base=spend_bases())
def test_spend_fits_over_wide_parameters_and_constant_spend_are_usable(base):
    x, m = base
    fit = fit_or_refuse(gamma_gamma, x, m)
    if fit is None:
        return
    mean = float(np.mean(m[x > 0]))
    value = gamma_gamma.expected_order_value(fit.params, np.array([0.0, 1.0, 100.0]),
                                             np.array([0.0, m[x > 0][0], mean]), fallback=mean)
    assert np.isfinite(value).all() and (value > 0).all()
    if fit.method == "newton":
        again = without_newton(gamma_gamma.fit, x, m)
        assert again.method == "quasi_newton"
        assert again.log_likelihood == pytest.approx(fit.log_likelihood,
                                                      abs=1e-6 * (x > 0).sum())


@pytest.mark.parametrize("model", PURCHASE_MODELS, ids=MODEL_IDS)
def test_a_customer_of_age_zero_has_likelihood_one_and_changes_no_fit(model):
    params = {"r": 0.7, "alpha": 4.0, "a": 0.8, "b": 2.5, "s": 0.6, "beta": 11.0}
    # No purchase in an empty period is certain under every model.
    assert model.log_likelihood(params, [0.0], [0.0], [0.0])[0] == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(11)
    T = rng.uniform(20.0, 40.0, 1000)
    x, t_x = model.simulate(params, T, rng)
    fit = model.fit(x, t_x, T)
    new = np.zeros(50)
    with_new = model.fit(np.r_[x, new], np.r_[t_x, new], np.r_[T, new])
    assert with_new.n_customers == fit.n_customers + 50
    assert with_new.log_likelihood == pytest.approx(fit.log_likelihood, abs=1e-6)
    for name, value in fit.params.items():
        assert with_new.params[name] == pytest.approx(value, rel=1e-4), name


@pytest.mark.parametrize("model", PURCHASE_MODELS, ids=MODEL_IDS)
def test_small_and_degenerate_bases(model):
    # One customer: nothing to identify.
    fit_or_refuse(model, [3.0], [10.0], [30.0])
    # Two customers, one day, and every row identical (ties).
    fit_or_refuse(model, [2.0, 0.0], [5.0, 0.0], [10.0, 10.0])
    fit_or_refuse(model, np.full(200, 3.0), np.full(200, 10.0), np.full(200, 30.0))
    # Everyone's first purchase on the last day but one customer's.
    fit_or_refuse(model, np.r_[4.0, np.zeros(99)], np.r_[20.0, np.zeros(99)],
                  np.r_[30.0, np.zeros(99)])
    # Whales: thousands of repeat purchases beside one-time buyers.
    rng = np.random.default_rng(5)
    x = np.r_[rng.integers(2000, 6000, 20), np.zeros(300), rng.integers(1, 4, 100)].astype(float)
    T = np.full(x.size, 52.0)
    t_x = np.where(x > 0, rng.uniform(40.0, 52.0, x.size), 0.0)
    fit = fit_or_refuse(model, x, t_x, T)
    alive = model.p_alive(fit.params, x, t_x, T)
    assert np.isfinite(alive).all()


def test_spend_small_and_degenerate_bases():
    fit_or_refuse(gamma_gamma, [3.0], [10.0])
    fit_or_refuse(gamma_gamma, [3.0, 0.0], [10.0, 0.0])
    fit_or_refuse(gamma_gamma, [3.0, 1.0], [10.0, 12.0])
    fit_or_refuse(gamma_gamma, np.full(100, 4.0), np.full(100, 25.0))  # ties
    with pytest.raises(FitError, match="positive"):
        gamma_gamma.fit([2.0, 3.0], [10.0, -5.0])


def test_constant_spend_recovers_the_limit_model():
    # When no customer's spend varies between orders, zbar = p / nu exactly, and with
    # nu ~ Gamma(q, gamma) the means are inverse-gamma with shape q and scale p * gamma: the
    # limit p -> infinity. A sample may still put the maximum at a large finite p.
    rng = np.random.default_rng(21)
    n, shape, scale = 20_000, 4.0, 100.0
    x = rng.integers(1, 10, n).astype(float)
    m = scale / rng.gamma(shape, 1.0, n)
    fit = gamma_gamma.fit(x, m)
    assert_usable(fit)
    p, q, g = fit.params["p"], fit.params["q"], fit.params["gamma"]
    assert fit.method == "boundary" or p > 50
    assert abs(q - shape) <= 3 * fit.standard_errors["q"]
    assert p * g == pytest.approx(scale, rel=0.03)
    value = gamma_gamma.expected_order_value(fit.params, np.array([5.0, 0.0]),
                                             np.array([230.0, 0.0]))
    assert value[0] == pytest.approx(230.0, rel=0.01)
    assert value[1] == pytest.approx(scale / (shape - 1), rel=0.05)


def test_a_catalogue_of_constant_prices_is_a_boundary_solution():
    # The catalogue: every customer always pays one of three prices. Newton fails
    # here (p runs off); the fit is the boundary p -> infinity, named as such.
    rng = np.random.default_rng(1)
    x = rng.integers(1, 10, 5000).astype(float)
    m = rng.choice([9.99, 19.99, 49.5], x.size)
    fit = gamma_gamma.fit(x, m)
    assert fit.method == "boundary" and fit.at_bound == ("p",) and not fit.converged
    assert "own mean" in fit.message and "Newton stopped" in fit.message
    assert math.isnan(fit.standard_errors["p"]) and fit.standard_errors["q"] > 0
    # The expected order value is the customer's own price, and the population mean without.
    value = gamma_gamma.expected_order_value(fit.params, np.array([1.0, 7.0, 0.0]),
                                             np.array([9.99, 49.5, 0.0]))
    assert value[:2] == pytest.approx([9.99, 49.5], rel=1e-3)
    assert value[2] == pytest.approx(gamma_gamma.population_mean(fit.params), rel=1e-12)
    assert 9.99 < value[2] < 49.5


def test_spend_fits_in_any_currency_unit():
    rng = np.random.default_rng(8)
    truth = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    x = rng.integers(1, 10, 5000).astype(float)
    m = gamma_gamma.simulate(truth, x, rng)
    fit = gamma_gamma.fit(x, m)
    # Rupiah-sized amounts: gamma, a scale, would sit far beyond the optimiser's bound e^12.
    in_millions = gamma_gamma.fit(x, m * 1e6)
    assert in_millions.converged and in_millions.method == "newton"
    assert in_millions.params["p"] == pytest.approx(fit.params["p"], rel=1e-8)
    assert in_millions.params["gamma"] == pytest.approx(fit.params["gamma"] * 1e6, rel=1e-8)
    # The density of amounts in a unit a million times smaller is a million times larger.
    shift = (x > 0).sum() * math.log(1e6)
    assert in_millions.log_likelihood == pytest.approx(fit.log_likelihood - shift, abs=1e-6)


def test_heavy_tailed_spend_has_no_population_mean_and_finite_values():
    rng = np.random.default_rng(9)
    truth = {"p": 2.0, "q": 0.8, "gamma": 10.0}
    x = rng.integers(1, 6, 20_000).astype(float)
    m = gamma_gamma.simulate(truth, x, rng)
    fit = gamma_gamma.fit(x, m)
    assert_usable(fit)
    assert fit.params["q"] < 1 and gamma_gamma.population_mean(fit.params) == math.inf
    heavy = {"p": 0.3, "q": 0.5, "gamma": 10.0}  # p x + q <= 1 for x = 1: no posterior mean
    x_new, m_new = np.array([0.0, 1.0, 3.0]), np.array([0.0, 40.0, 40.0])
    value = gamma_gamma.expected_order_value(heavy, x_new, m_new, fallback=25.0)
    assert value[0] == 25.0 and value[1] == 25.0
    assert value[2] == pytest.approx(0.3 * (10 + 3 * 40) / (0.9 + 0.5 - 1))
    default = gamma_gamma.expected_order_value(heavy, x_new, m_new)
    assert default[0] == pytest.approx(40.0) and default[1] == 40.0
    assert gamma_gamma.population_mean({"p": 6.0, "q": 4.0, "gamma": 15.0}) == 30.0


@pytest.mark.parametrize("model", [bgnbd, gamma_gamma], ids=["bgnbd", "ggamma"])
def test_a_failed_newton_falls_back_to_quasi_newton_at_the_same_optimum(model):
    rng = np.random.default_rng(12)
    if model is bgnbd:
        truth = {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}
        T = rng.uniform(27.0, 39.0, 5000)
        data = (*bgnbd.simulate(truth, T, rng), T)
    else:
        x = rng.integers(1, 10, 5000).astype(float)
        data = (x, gamma_gamma.simulate({"p": 6.25, "q": 3.74, "gamma": 15.44}, x, rng))
    newton = model.fit(*data)
    assert newton.method == "newton" and newton.converged
    fallback = without_newton(model.fit, *data)
    assert fallback.method == "quasi_newton" and fallback.converged
    assert fallback.message.startswith("Newton stopped")
    assert fallback.log_likelihood == pytest.approx(newton.log_likelihood, abs=1e-6)
    for name, value in newton.params.items():
        assert fallback.params[name] == pytest.approx(value, rel=1e-4), name
        se = newton.standard_errors[name]
        assert fallback.standard_errors[name] == pytest.approx(se, rel=1e-2), name


def test_no_sign_of_dropout_is_a_boundary_solution_named_as_such():
    # Everyone buys at the same pace up to the end and nobody drops out.
    rng = np.random.default_rng(3)
    T = np.full(2000, 52.0)
    x = rng.poisson(10.0, T.size).astype(float)
    t_x = np.where(x > 0, 52.0 - rng.exponential(0.01, T.size), 0.0)
    fit = bgnbd.fit(x, t_x, T)
    assert_usable(fit)
    assert fit.method == "boundary"
    assert "dropout" in fit.message or "rates hardly differ" in fit.message


def _large_base(rng, n, *, dropout: bool):
    """n customers drawn from Pareto/NBD, ages and last purchases in continuous time (so every
    row is distinct and the fit takes the large-data path); without dropout the likelihood
    rises towards beta's limit."""
    params = {"r": 0.8, "alpha": 12.0, "s": 0.7, "beta": 40.0 if dropout else 1e9}
    T = rng.uniform(10.0, 300.0, n)
    x, t_x = pareto.simulate(params, T, rng)
    return x, t_x, T


@pytest.mark.slow
@pytest.mark.parametrize("dropout", [True, False], ids=["interior", "boundary"])
def test_large_data_fit_explored_on_a_sample_ends_where_the_plain_fit_does(dropout):
    """On more than 10,000 distinct rows the starts are first run on every k-th row and the
    whole rows fitted from the distinct optima found there: the same maximum (or the same
    boundary) as running every start on every row, for fewer evaluations on every row."""
    x, t_x, T = _large_base(np.random.default_rng(17), 45_000, dropout=dropout)
    rows = _fit.sufficient_stats(x, t_x, T).x.size
    assert rows > _fit.COARSE_FROM
    evaluations = {"sampled": 0, "plain": 0}
    real = pareto._pareto_integral.gradient

    def counted(label):
        def gradient(*args):
            if np.size(args[4]) == rows:  # an evaluation on every row
                evaluations[label] += 1
            return real(*args)
        return gradient

    with mock.patch.object(pareto._pareto_integral, "gradient", counted("sampled")):
        sampled = pareto.fit(x, t_x, T)
    with (mock.patch.object(pareto._pareto_integral, "gradient", counted("plain")),
          mock.patch.object(_fit, "coarse_rows", lambda n_rows: None)):
        plain = pareto.fit(x, t_x, T)
    assert_usable(sampled)
    assert sampled.method == plain.method
    assert sampled.at_bound == plain.at_bound
    # Never a worse point: at least the plain fit's likelihood, to rounding of the total.
    assert sampled.log_likelihood >= plain.log_likelihood - 1e-6 * x.size
    for name in ("r", "alpha") if not dropout else pareto.PARAM_NAMES:
        assert sampled.params[name] == pytest.approx(plain.params[name], rel=2e-3)
    assert evaluations["sampled"] < evaluations["plain"]
    if dropout:  # a simulation with known truth: recovered within four standard errors
        truth = {"r": 0.8, "alpha": 12.0, "s": 0.7, "beta": 40.0}
        for name, value in truth.items():
            assert abs(sampled.params[name] - value) < 4 * sampled.standard_errors[name], name
