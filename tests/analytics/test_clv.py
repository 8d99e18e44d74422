"""CLV: the documented formula, checked against plain conditional expectations."""

from __future__ import annotations

import numpy as np
import pytest

from daur.analytics import clv
from daur.analytics.btyd import bgnbd, pareto

PARAMS = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
PARETO = {"r": 0.5532, "alpha": 10.5763, "s": 0.6062, "beta": 11.6715}


def month_by_month(module, params, x, t_x, T, annual=0.10, months=12):
    ends = np.arange(months + 1) * (365.25 / 12) / 7
    cumulative = np.array([module.conditional_expected_purchases(params, e, x, t_x, T)
                           for e in ends])
    discount = (1 + annual) ** (-np.arange(1, months + 1) / 12)
    return (np.diff(cumulative, axis=0) * discount[:, None]).sum(axis=0)


@pytest.mark.parametrize(("name", "module", "params"),
                         [("bgnbd", bgnbd, PARAMS), ("pareto", pareto, PARETO)])
def test_clv_follows_the_documented_formula(name, module, params, cdnow_summary):
    s = cdnow_summary
    value = np.full(s.n_customers, 35.0)
    margin = np.linspace(0.1, 0.5, s.n_customers)
    got = clv.clv(name, params, s.x, s.t_x, s.T, value, margin_rate=margin)
    want = margin * value * month_by_month(module, params, s.x, s.t_x, s.T)
    np.testing.assert_allclose(got, want, rtol=1e-10)
    # One customer at a time (the real-time path) gives the same numbers.
    one = clv.clv(name, params, s.x[5], s.t_x[5], s.T[5], 35.0, margin_rate=margin[5])
    assert float(one) == pytest.approx(got[5], rel=1e-12)


def test_without_discount_clv_is_margin_times_value_times_expected_orders():
    x, t_x, T = np.array([0.0, 3.0]), np.array([0.0, 20.0]), np.array([30.0, 38.0])
    got = clv.clv("bgnbd", PARAMS, x, t_x, T, 20.0, margin_rate=0.25, annual_discount_rate=0.0)
    orders = bgnbd.conditional_expected_purchases(PARAMS, 365.25 / 7, x, t_x, T)
    np.testing.assert_allclose(got, 0.25 * 20.0 * orders)
    assert (clv.clv("bgnbd", PARAMS, x, t_x, T, 20.0) < got / 0.25 * clv.DEFAULT_MARGIN_RATE).all()


def test_days_and_weeks_agree():
    weeks = clv.clv("bgnbd", PARAMS, 2.0, 30.0, 38.0, 10.0)
    per_day = {"r": PARAMS["r"], "alpha": PARAMS["alpha"] * 7, "a": PARAMS["a"], "b": PARAMS["b"]}
    days = clv.clv("bgnbd", per_day, 2.0, 210.0, 266.0, 10.0, time_unit="day")
    assert float(days) == pytest.approx(float(weeks), rel=1e-10)
