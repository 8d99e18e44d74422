"""The models on CDNOW, summarised by our own code from the raw log, against published figures."""

from __future__ import annotations

import numpy as np
import pytest

from daur.analytics.btyd import bgnbd, gamma_gamma, mbgnbd, pareto


@pytest.fixture(scope="module")
def bgnbd_fit(cdnow_summary):
    s = cdnow_summary
    return bgnbd.fit(s.x, s.t_x, s.T)


def test_bgnbd_reproduces_clvtools_and_the_paper(bgnbd_fit):
    # CLVTools' tight fit; FHL (2005) print r=0.243, alpha=4.414, a=0.793, b=2.426, LL -9582.4.
    fit = bgnbd_fit
    assert fit.converged and fit.model == "bgnbd"
    expected = {"r": 0.2425945, "alpha": 4.4136019, "a": 0.7929199, "b": 2.4258881}
    for name, value in expected.items():
        assert fit.params[name] == pytest.approx(value, rel=1e-3), name
    assert fit.log_likelihood == pytest.approx(-9582.429, abs=0.01)
    assert round(fit.params["r"], 3) == 0.243 and round(fit.params["alpha"], 3) == 4.414
    assert round(fit.params["a"], 3) == 0.793 and round(fit.params["b"], 3) == 2.426
    assert fit.n_customers == 2357 and fit.n_unique_rows < 2357
    assert all(0 < se < np.inf for se in fit.standard_errors.values())


def test_pareto_nbd_reproduces_clvtools(cdnow_summary):
    s = cdnow_summary
    fit = pareto.fit(s.x, s.t_x, s.T)
    assert fit.converged
    expected = {"r": 0.55315, "alpha": 10.57633, "s": 0.60625, "beta": 11.67150}
    for name, value in expected.items():
        assert fit.params[name] == pytest.approx(value, rel=1e-3), name
    assert fit.log_likelihood == pytest.approx(-9594.976, abs=0.01)


def test_mbgnbd_reproduces_the_published_estimates(cdnow_summary):
    s = cdnow_summary
    fit = mbgnbd.fit(s.x, s.t_x, s.T)
    assert fit.converged
    expected = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
    for name, value in expected.items():
        assert round(fit.params[name], 3) == pytest.approx(value, abs=1.5e-3), name


def test_gamma_gamma_reproduces_the_published_estimates(cdnow_summary):
    s = cdnow_summary
    fit = gamma_gamma.fit(s.x, s.mean_repeat_spend)
    assert fit.converged and fit.n_customers == 946
    expected = {"p": 6.2488, "q": 3.7446, "gamma": 15.4477}
    for name, value in expected.items():
        assert fit.params[name] == pytest.approx(value, rel=2e-3), name


def test_bgnbd_holdout_matches_the_paper(cdnow_summary, bgnbd_fit):
    # FHL (2005): by week 78 the model under-forecasts cumulative repeat transactions by about
    # 4 %, and conditional expectations correlate about 0.63 with the holdout counts.
    s, params = cdnow_summary, bgnbd_fit.params
    horizon = s.holdout_length
    cumulative_forecast = bgnbd.expected_purchases(params, s.T + horizon).sum()
    cumulative_actual = s.x.sum() + s.holdout_x.sum()
    under = 1 - cumulative_forecast / cumulative_actual
    assert 0.02 <= under <= 0.06
    conditional = bgnbd.conditional_expected_purchases(params, horizon, s.x, s.t_x, s.T)
    correlation = np.corrcoef(conditional, s.holdout_x)[0, 1]
    assert 0.60 <= correlation <= 0.66


def test_bgnbd_fhl_figure_for_the_average_customer(bgnbd_fit):
    # FHL (2005), section 4: a customer with x=2, t_x=30.43, T=38.86 is expected to make
    # 1.226 purchases in the next 39 weeks.
    expected = bgnbd.conditional_expected_purchases(bgnbd_fit.params, 39, 2, 30.43, 38.86)
    assert float(expected) == pytest.approx(1.226, abs=1e-3)
