"""`score_base` on bases shaped like real businesses, not like the demo generator: every customer
is scored, with finite figures or the documented rules-only empties, and every buyer gets a
strategy; the run never fails for want of a model."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daur.analytics import model_choice, scoring_models
from daur.analytics.btyd import pareto
from daur.analytics.events import (
    CustomerAttributes,
    InteractionEvents,
    LineEvents,
    OrderEvents,
    SurveyEvents,
    TicketEvents,
)
from daur.analytics.scoring import BaseEvents, score_base

AS_OF = 20_000


def pareto_is_fast() -> bool:
    """Pareto/NBD's likelihood at a whale (x = 3000) and on its s -> 0, beta -> infinity ridge,
    where the series behind it has summed up to a million terms per row: seconds per
    evaluation, minutes to hours per fit (issue 11). Until that is fast, the tests of bases with
    whales and of arbitrary generated bases score with the two other candidates."""
    params = {"r": 0.2, "alpha": 35.0, "s": 1e-5, "beta": 1.6e5}
    started = time.perf_counter()
    pareto.log_likelihood(params, np.array([0.0, 3000.0]), np.array([0.0, 800.0]), [900.0] * 2)
    return time.perf_counter() - started < 0.05


PARETO_FAST = pareto_is_fast()


@pytest.fixture
def candidates(monkeypatch):
    if not PARETO_FAST:
        monkeypatch.setattr(model_choice, "CANDIDATES", ("bgnbd", "mbgnbd"))
        monkeypatch.setattr(model_choice, "CHOOSABLE", ("mbgnbd",))
        monkeypatch.setattr(model_choice, "DEFAULT_RANKING", ("mbgnbd",))
        monkeypatch.setattr(scoring_models, "CANDIDATES", ("bgnbd", "mbgnbd"))


def base(n: int, customer, day, amount) -> BaseEvents:
    return BaseEvents(
        customers=CustomerAttributes.blank(n),
        orders=OrderEvents(
            customer_index=np.asarray(customer, np.int64),
            ordered_day=np.asarray(day, np.int64),
            amount=np.asarray(amount, np.float64),
        ),
        lines=LineEvents.empty(),
        interactions=InteractionEvents.empty(),
        tickets=TicketEvents.empty(),
        surveys=SurveyEvents.empty(),
        margin_rate=np.full(n, 0.3),
    )


@st.composite
def bases(draw) -> tuple[BaseEvents, dict]:
    """A base of one of the shapes real order logs take, with its shape's name."""
    shape = draw(
        st.sampled_from(
            ["mixed", "one_time_only", "constant_amounts", "whale", "refunds_and_missing",
             "one_day", "first_on_as_of_day"]
        )
    )
    n = draw(st.one_of(st.integers(1, 40), st.integers(60, 400)))
    prospects = draw(st.integers(0, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    span = 0 if shape == "one_day" else int(draw(st.sampled_from([1, 30, 400, 1500])))
    first = AS_OF - rng.integers(0, span + 1, n)
    if shape == "first_on_as_of_day":
        first[rng.random(n) < 0.4] = AS_OF
    counts = np.ones(n, np.int64) if shape == "one_time_only" else 1 + rng.geometric(0.4, n) - 1
    if shape == "whale":
        counts[0] = int(draw(st.integers(1000, 3000)))
    customer = np.repeat(np.arange(n), counts)
    offsets = rng.random(customer.size) * (AS_OF - first[customer] + 1)
    day = np.where(
        np.r_[True, customer[1:] != customer[:-1]], first[customer],
        first[customer] + np.floor(offsets).astype(np.int64),
    )
    if shape == "constant_amounts":
        amount = np.full(customer.size, 49.9)
    else:
        amount = np.round(rng.lognormal(4.0, 1.5, customer.size), 2)
    if shape == "refunds_and_missing":
        amount[rng.random(customer.size) < 0.15] *= -1
        amount[rng.random(customer.size) < 0.05] = np.nan
        amount[rng.random(customer.size) < 0.05] = 0.0
    return base(n + prospects, customer, day, amount), {"shape": shape, "n": n + prospects}


def positive_buyers(events: BaseEvents) -> np.ndarray:
    """Customers with a purchase the models can read: a positive amount up to the as-of day."""
    orders = events.orders
    kept = (orders.amount > 0) & (orders.ordered_day <= AS_OF)
    mask = np.zeros(len(events.customers), bool)
    mask[orders.customer_index[kept]] = True
    return mask


def check_scored(events: BaseEvents, scores) -> None:
    n = len(events.customers)
    assert scores.stage.stage.shape == (n,) and (scores.stage.stage >= 0).all()
    buyers = scores.features.order_count > 0
    assert (scores.strategy.strategy[buyers] >= 0).all(), "a buyer without a strategy"
    modelled = positive_buyers(events)
    eov = scores.expected_order_value
    assert np.isfinite(eov[modelled]).all() and (eov[modelled] > 0).all()
    assert np.isnan(eov[~modelled]).all()
    purchase = scores.fits.get("purchase_model")
    columns = (scores.p_alive, scores.expected_orders_90d, scores.clv_12m)
    if purchase is None:
        # The documented rules-only empties: the purchase part is left out, and said so.
        assert scores.rules_only and scores.message
        assert all(np.isnan(c).all() for c in columns)
    else:
        assert not scores.rules_only
        for column in columns:
            assert np.isfinite(column[modelled]).all() and (column[modelled] >= 0).all()
            assert np.isnan(column[~modelled]).all()
        assert (scores.p_alive[modelled] <= 1).all()
    # What the run stores is plain JSON (non-finite figures as null).
    json.dumps(scores.fits, allow_nan=False)
    json.dumps(scores.cuts)


@settings(
    max_examples=40, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(bases())
def test_every_customer_of_any_base_is_scored(candidates, generated):
    events, _ = generated
    check_scored(events, score_base(events, as_of_day=AS_OF))


def test_a_base_without_any_repeat_buyer_scores_value_but_not_p_alive():
    n = 200
    rng = np.random.default_rng(3)
    events = base(n, np.arange(n), AS_OF - rng.integers(0, 700, n), rng.lognormal(4, 1, n))
    scores = score_base(events, as_of_day=AS_OF)
    check_scored(events, scores)
    assert scores.fits["purchase_model"] is None
    assert {f["part"] for f in scores.fits["fallbacks"]} == {"purchase", "spend"}
    # Without a spend model each one-time buyer is worth its one order.
    np.testing.assert_allclose(scores.expected_order_value, events.orders.amount)


def test_one_customer_and_one_day():
    events = base(1, [0, 0], [AS_OF, AS_OF], [10.0, 10.0])
    scores = score_base(events, as_of_day=AS_OF)
    check_scored(events, scores)
    assert scores.rules_only and scores.strategy.strategy_of(0) is not None


def test_a_whale_with_thousands_of_orders_among_ordinary_customers(candidates):
    rng = np.random.default_rng(5)
    n = 300
    counts = rng.geometric(0.35, n)
    counts[0] = 5000
    customer = np.repeat(np.arange(n), counts)
    day = AS_OF - rng.integers(0, 900, customer.size)
    events = base(n, customer, day, np.full(customer.size, 25.0))  # one price for everything
    scores = score_base(events, as_of_day=AS_OF)
    check_scored(events, scores)
    assert scores.fits["purchase_model"] in ("mbgnbd", "pareto")
    assert scores.clv_12m[0] == np.nanmax(scores.clv_12m)


@pytest.mark.parametrize("refund_share", [0.1, 0.5])
def test_refunds_are_not_purchases_and_do_not_break_the_fits(candidates, refund_share):
    rng = np.random.default_rng(11)
    n = 300
    counts = rng.geometric(0.3, n)
    customer = np.repeat(np.arange(n), counts)
    day = AS_OF - rng.integers(0, 900, customer.size)
    amount = rng.lognormal(3.0, 1.0, customer.size)
    amount[rng.random(customer.size) < refund_share] *= -1
    events = base(n, customer, day, amount)
    check_scored(events, score_base(events, as_of_day=AS_OF))
