"""The closed-form move of `daur.analytics.incremental`: a random base's state moved on from one
as-of day to a later one, with only the customers it names as due recomputed, gives every
feature and the buyer summary the later day's full computation gives."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from daur.analytics.events import (
    NO_INDEX,
    CustomerAttributes,
    InteractionEvents,
    LineEvents,
    OrderEvents,
    SurveyEvents,
    TicketEvents,
)
from daur.analytics.features import CustomerFeatures, customer_features
from daur.analytics.incremental import (
    buyers_of,
    due_for_reading,
    move_on,
    splice,
    state_features,
    state_of,
)
from daur.analytics.rules_config import RulesConfig
from daur.analytics.scoring import BaseEvents, buyer_summary

pytestmark = pytest.mark.pure

AS_OF = 20_000


def random_base(seed: int, n: int = 400) -> BaseEvents:
    rng = np.random.default_rng(seed)
    n_orders, n_tickets = 6 * n, n
    order_customer = rng.integers(0, n, n_orders)
    # a fifth of the events after the first as-of day; amounts repeat; some refunds
    order_day = AS_OF - rng.integers(-40, 900, n_orders)
    amount = rng.choice([50.0, 120.0, 120.0, 300.0, -50.0], n_orders)
    n_lines = 2 * n_orders
    geo = rng.integers(-1, 6, n)
    return BaseEvents(
        customers=CustomerAttributes(
            geo_market_id=np.where(geo < 0, NO_INDEX, geo),
            industry_id=rng.integers(-1, 3, n),
            referred_by=np.where(rng.random(n) < 0.2, rng.integers(0, n, n), NO_INDEX),
            created_day=AS_OF - rng.integers(-20, 1000, n),
            qualified_lead=rng.random(n) < 0.1,
            lead_score=np.where(rng.random(n) < 0.1, rng.random(n), np.nan),
        ),
        orders=OrderEvents(
            customer_index=order_customer,
            ordered_day=order_day,
            amount=amount,
            discounted=rng.random(n_orders) < 0.3,
            units=np.where(rng.random(n_orders) < 0.05, np.nan, rng.integers(1, 5, n_orders)),
        ),
        lines=LineEvents(
            order_index=rng.integers(0, n_orders, n_lines),
            category_id=rng.integers(0, 8, n_lines),
            tier=rng.integers(-1, 3, n_lines).astype(np.int8),
            spend=rng.choice([10.0, 25.0, 60.0], n_lines),
            launched_day=AS_OF - rng.integers(0, 1500, n_lines),
        ),
        interactions=InteractionEvents(
            customer_index=rng.integers(0, n, 3 * n),
            day=AS_OF - rng.integers(-30, 900, 3 * n),
            kind=rng.integers(0, 4, 3 * n).astype(np.int8),
        ),
        tickets=TicketEvents(
            customer_index=rng.integers(0, n, n_tickets),
            opened_day=AS_OF - rng.integers(-30, 800, n_tickets),
            kind=rng.integers(0, 3, n_tickets).astype(np.int8),
            accepted=rng.random(n_tickets) < 0.5,
        ),
        surveys=SurveyEvents(
            customer_index=rng.integers(0, n, n),
            answered_day=AS_OF - rng.integers(-30, 700, n),
            nps=rng.integers(0, 11, n).astype(np.float64),
        ),
        margin_rate=rng.random(n),
    )


def state_at(events: BaseEvents, as_of: int, config: RulesConfig):
    n = len(events.margin_rate)
    features = customer_features(
        customers=events.customers, orders=events.orders, lines=events.lines,
        interactions=events.interactions, tickets=events.tickets, surveys=events.surveys,
        as_of_day=as_of, config=config,
    )
    pks = np.arange(1, n + 1, dtype=np.int64) * 3  # ids with gaps
    referrer = events.customers.referred_by
    keys = {
        "geo": np.array([f"g{g}" if g >= 0 else "" for g in events.customers.geo_market_id.tolist()], object),
        "industry": np.array([f"i{g}" if g >= 0 else "" for g in events.customers.industry_id.tolist()], object),
    }
    state = state_of(
        events, pks=pks, referrer_pks=np.where(referrer >= 0, pks[referrer], -1),
        market_keys=keys, features=features, bought=buyer_summary(events, as_of), config=config,
    )
    return state, features


def assert_same_features(a: CustomerFeatures, b: CustomerFeatures) -> None:
    assert a.as_of_day == b.as_of_day
    assert dict(a.events_after_as_of) == dict(b.events_after_as_of)
    for f in fields(CustomerFeatures):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=f.name)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("days", [1, 7, 45])
def test_moved_on_with_the_due_customers_recomputed_equals_the_later_day(seed, days):
    config = RulesConfig()
    events = random_base(seed)
    state, _ = state_at(events, AS_OF, config)
    later = AS_OF + days
    full_state, full = state_at(events, later, config)
    due = due_for_reading(state, later)
    assert 0 < len(due) < state.n_customers  # the test moves some on, recomputes others
    fresh_rows = np.isin(full_state.pks, due)
    fresh = type(state)(later, {k: v[fresh_rows] for k, v in full_state.columns.items()})
    moved = splice(move_on(state, later), fresh, due)
    got = state_features(
        moved, qualified_lead=events.customers.qualified_lead,
        lead_score=events.customers.lead_score,
    )
    assert_same_features(got, full)
    rows, summary = buyers_of(moved)
    bought = buyer_summary(events, later)
    np.testing.assert_array_equal(rows, bought.buyers)
    for name in ("x", "t_x", "T", "mean_repeat_spend", "total_spend", "order_days"):
        np.testing.assert_array_equal(getattr(summary, name), getattr(bought.summary, name), name)
    # Not reading the due customers again would be wrong: the test can fail.
    stale = state_features(
        move_on(state, later), qualified_lead=events.customers.qualified_lead,
        lead_score=events.customers.lead_score,
    )
    assert any(
        not np.array_equal(getattr(stale, name), getattr(full, name), equal_nan=True)
        for name in ("orders_recent", "spend_previous", "tickets_recent", "order_count")
    )


def test_a_state_moves_only_forward_and_splices_only_its_own_columns():
    config = RulesConfig()
    state, _ = state_at(random_base(4, n=30), AS_OF, config)
    with pytest.raises(ValueError, match="before the state's"):
        move_on(state, AS_OF - 1)
    other = type(state)(AS_OF, {"pk": state.pks[:1]})
    with pytest.raises(ValueError, match="other columns"):
        splice(state, other, state.pks[:1])
    with pytest.raises(ValueError, match="also kept"):
        splice(state, state, state.pks[:0])
