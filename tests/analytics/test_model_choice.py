"""The purchase model choice against known truth: order logs simulated from a model with known
parameters, split and tested as `daur score` does."""

from __future__ import annotations

import math

import numpy as np
import pytest

from daur.analytics.btyd import bgnbd
from daur.analytics.model_choice import (
    HOLDOUT_MIN_DAYS,
    MIN_SPAN_DAYS,
    calibration_plot,
    holdout_split,
    select_purchase_model,
)
from daur.analytics.scoring_models import BuyerSummary, expected_order_value, population_mean

AS_OF = 20_000


def pareto_log(n: int, *, r, alpha, s, beta, history_days: int, seed: int):
    """An order log from Pareto/NBD (rates per day): customers arrive uniformly over the history,
    buy at their first day, then as a Poisson process of rate lambda until they die."""
    rng = np.random.default_rng(seed)
    birth = AS_OF - rng.integers(0, history_days, n)
    rate = rng.gamma(r, 1.0 / alpha, n)
    death = birth + rng.exponential(1.0 / rng.gamma(s, 1.0 / beta, n))
    customers, days = [np.arange(n)], [birth]
    for i in range(n):
        end = min(death[i], AS_OF + 1)
        k = rng.poisson(rate[i] * max(end - birth[i], 0.0))
        if k:
            customers.append(np.full(k, i))
            days.append(np.floor(rng.uniform(birth[i], end, k)).astype(np.int64))
    customer, day = np.concatenate(customers), np.concatenate(days)
    kept = day <= AS_OF
    return customer[kept], day[kept], np.full(kept.sum(), 10.0), death


def test_the_split_holds_out_a_third_of_the_history_and_at_least_90_days():
    assert holdout_split(AS_OF - 900, AS_OF) == (AS_OF - 300, 300)
    assert holdout_split(AS_OF - 200, AS_OF) == (AS_OF - HOLDOUT_MIN_DAYS, HOLDOUT_MIN_DAYS)


def test_a_short_history_falls_back_to_mbgnbd_and_says_why():
    customer = np.repeat(np.arange(50), 3)
    day = AS_OF - np.tile([0, 30, 60], 50)
    selection = select_purchase_model(customer, day, np.ones(150), AS_OF)
    assert selection.record["chosen"] == "mbgnbd" and selection.plot is None
    assert f"at least {MIN_SPAN_DAYS}" in selection.record["reason"]


def test_on_pareto_data_with_clear_dropout_the_choice_beats_bgnbd_out_of_sample():
    customer, day, amount, _ = pareto_log(
        3000, r=0.8, alpha=40.0, s=1.5, beta=120.0, history_days=900, seed=1
    )
    selection = select_purchase_model(customer, day, amount, AS_OF)
    record = selection.record
    assert record["reason"] == "lowest holdout error"
    candidates = record["candidates"]
    chosen = record["chosen"]
    assert chosen in ("mbgnbd", "pareto")
    assert candidates[chosen]["holdout_mae"] < candidates["bgnbd"]["holdout_mae"]
    # Each candidate's record is complete, and the actual total is the same for all of them.
    actual = {c["holdout_actual"] for c in candidates.values()}
    assert len(actual) == 1 and actual.pop() > 0
    plot = selection.plot
    assert plot["frequency"] == list(range(8)) and sum(plot["customers"]) == record["n_customers"]
    # The calibration plot of the chosen model follows the actual means where data are plenty.
    for count, seen, guess in zip(plot["customers"], plot["actual"], plot["predicted"][chosen]):
        if count >= 200:
            assert guess == pytest.approx(seen, rel=0.25, abs=0.1)


def test_one_time_buyers_p_alive_falls_with_time_where_most_are_dead():
    from daur.analytics.btyd import purchase_model
    from daur.analytics.summary import summarise

    customer, day, amount, death = pareto_log(
        3000, r=0.5, alpha=60.0, s=3.0, beta=60.0, history_days=900, seed=2
    )
    selection = select_purchase_model(customer, day, amount, AS_OF)
    name = selection.record["chosen"]
    s = summarise(customer, day.astype("datetime64[D]"), amount,
                  calibration_end=np.datetime64(AS_OF, "D"), time_unit="day")
    fit = purchase_model(name).fit(s.x[s.T > 0], s.t_x[s.T > 0], s.T[s.T > 0])
    one_time = (s.x == 0) & (s.T > 0)
    p = purchase_model(name).p_alive(fit.params, s.x[one_time], s.t_x[one_time], s.T[one_time])
    age = s.T[one_time]
    # Falls with time since the one order, and is low where the truth is: mostly dead.
    order = np.argsort(age)
    assert (np.diff(p[order]) <= 1e-12).all()
    old = age > 365
    truly_alive = death[s.customer_ids[one_time].astype(int)] > AS_OF
    assert truly_alive[old].mean() < 0.2
    assert p[old].mean() < 0.35
    # BG/NBD would hold every one of them alive.
    bg = bgnbd.fit(s.x[s.T > 0], s.t_x[s.T > 0], s.T[s.T > 0])
    assert np.allclose(bgnbd.p_alive(bg.params, 0, 0, age[old]), 1.0)


def test_calibration_plot_bins_by_frequency_with_7_and_more_together():
    x = np.array([0, 0, 1, 7, 9, 12])
    actual = np.array([0.0, 2.0, 1.0, 3.0, 5.0, 7.0])
    plot = calibration_plot(x, actual, {"mbgnbd": np.full(6, 1.0)})
    assert plot["customers"] == [2, 1, 0, 0, 0, 0, 0, 3]
    assert plot["actual"][0] == 1.0 and plot["actual"][7] == 5.0 and plot["actual"][2] is None
    assert plot["predicted"]["pareto"] == [None] * 8


def summary_of(x, zbar, total, days) -> BuyerSummary:
    x = np.asarray(x, float)
    return BuyerSummary(
        x=x, t_x=x.copy(), T=np.full(x.size, 100.0), mean_repeat_spend=np.asarray(zbar, float),
        total_spend=np.asarray(total, float), order_days=np.asarray(days, float),
    )


def test_a_heavy_tailed_spend_fit_shrinks_to_a_finite_empirical_mean():
    # q <= 1: the model's population mean p gamma / (q - 1) is infinite.
    params = {"p": 2.0, "q": 0.8, "gamma": 50.0}
    mean, note = population_mean(params, empirical=40.0)
    assert mean == 40.0 and "infinite" in note
    spend = {"params": params, "population_mean": mean}
    s = summary_of([0, 0, 3], [np.nan, np.nan, 30.0], [10.0, 500.0, 130.0], [1, 1, 4])
    value = expected_order_value(spend, s)
    assert np.isfinite(value).all()
    # A one-time buyer's value lies between its one order and the population mean.
    assert 10.0 < value[0] < 40.0 and 40.0 < value[1] < 500.0
    # Hand-computed: p (gamma + x m) / (p x + p gamma / mean) with x = 1, m = the order.
    assert value[0] == pytest.approx(2.0 * (50.0 + 10.0) / (2.0 + 2.0 * 50.0 / 40.0))
    # A repeat buyer's value uses its repeat orders as Gamma-Gamma does (x = 3, m = 30).
    assert value[2] == pytest.approx(2.0 * (50.0 + 90.0) / (6.0 + 2.5))


def test_a_believable_model_mean_is_kept():
    params = {"p": 6.25, "q": 3.74, "gamma": 15.44}  # CDNOW's published fit
    mean, note = population_mean(params, empirical=35.0)
    assert mean == pytest.approx(6.25 * 15.44 / 2.74) and note == ""
    spend = {"params": params, "population_mean": mean}
    s = summary_of([2], [40.0], [100.0], [3])
    # With the model's own mean this is exactly Gamma-Gamma's posterior mean.
    p, q, g = 6.25, 3.74, 15.44
    assert expected_order_value(spend, s)[0] == pytest.approx(p * (g + 80.0) / (2 * p + q - 1))
    assert math.isfinite(mean)
