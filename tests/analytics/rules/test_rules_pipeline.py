"""The whole rules pipeline on a random base: consistent, deterministic and vectorised."""


import numpy as np

from daur.analytics.events import (
    CustomerAttributes,
    InteractionEvents,
    LineEvents,
    OrderEvents,
    SurveyEvents,
    TicketEvents,
)
from daur.analytics.features import customer_features
from daur.analytics.lifecycle import lifecycle_stage
from daur.analytics.loyalty import loyalty_score
from daur.analytics.orientation import orientation
from daur.analytics.strategy import relationship_strategy
from daur.analytics.typology import customer_types


def random_base(n, m, seed):
    rng = np.random.default_rng(seed)
    return {
        "customers": CustomerAttributes(
            geo_market_id=rng.integers(-1, 30, n),
            industry_id=rng.integers(-1, 5, n),
            referred_by=np.where(rng.random(n) < 0.1, rng.integers(0, n, n), -1),
            qualified_lead=rng.random(n) < 0.1,
            lead_score=rng.random(n),
        ),
        "orders": OrderEvents(
            customer_index=rng.integers(0, n // 2, m),
            ordered_day=rng.integers(1000, 2000, m),
            amount=rng.gamma(2.0, 50.0, m),
            discounted=rng.random(m) < 0.3,
            units=np.where(rng.random(m) < 0.9, rng.integers(1, 5, m), np.nan),
        ),
        "lines": LineEvents(
            order_index=rng.integers(0, m, 2 * m),
            category_id=rng.integers(-1, 20, 2 * m),
            tier=rng.integers(-1, 3, 2 * m),
            spend=rng.gamma(2.0, 20.0, 2 * m),
            launched_day=rng.integers(500, 2000, 2 * m),
        ),
        "interactions": InteractionEvents(
            customer_index=rng.integers(0, n, m),
            day=rng.integers(1000, 2000, m),
            kind=rng.integers(0, 7, m),
        ),
        "tickets": TicketEvents(
            customer_index=rng.integers(0, n, n // 4),
            opened_day=rng.integers(1000, 2000, n // 4),
            kind=rng.integers(0, 3, n // 4),
            accepted=rng.random(n // 4) < 0.5,
        ),
        "surveys": SurveyEvents(
            customer_index=rng.integers(0, n, n // 4),
            answered_day=rng.integers(1000, 2000, n // 4),
            nps=rng.integers(0, 11, n // 4),
        ),
    }


def score(base, p_alive, clv_12m):
    features = customer_features(**base, as_of_day=1900)
    loyalty = loyalty_score(features, p_alive)
    stage = lifecycle_stage(features, p_alive, loyalty=loyalty)
    types = customer_types(features, p_alive, clv_12m, loyalty=loyalty)
    return (
        features,
        stage,
        types,
        orientation(features),
        relationship_strategy(features, stage, p_alive, clv_12m, types),
    )


def test_pipeline_is_deterministic_and_consistent():
    n, m = 20_000, 200_000
    rng = np.random.default_rng(7)
    p_alive, clv_12m = rng.random(n), rng.gamma(2.0, 100.0, n)
    features, stage, types, orient, strategy = score(random_base(n, m, 3), p_alive, clv_12m)
    assert features.events_after_as_of["orders"] > 0  # days 1901..1999 are after the as-of day

    again = score(random_base(n, m, 3), p_alive, clv_12m)
    np.testing.assert_array_equal(stage.stage, again[1].stage)
    np.testing.assert_array_equal(types.bits(), again[2].bits())
    np.testing.assert_array_equal(strategy.strategy, again[4].strategy)

    buyers = features.order_count > 0
    assert buyers.sum() <= n // 2
    assert (stage.names()[~buyers] != "retention").all()
    top = types.labels["high_future_value"]
    assert 0 < top.sum() <= np.ceil(0.1 * buyers.sum()) + 5
    for index in range(50):
        assert stage.evidence(index)
        for reasons in types.evidence(index).values():
            assert all(reason.text for reason in reasons)
        assert all(reason.text for reason in strategy.evidence(index))
        assert all(reason.text for reason in orient.evidence(index))
