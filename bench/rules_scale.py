"""Time the customer features and rules on a synthetic base (default 1M customers, 10M orders).

Run: PYTHONPATH=src python bench/rules_scale.py [--customers N] [--orders M]
"""

from __future__ import annotations

import argparse
import time

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


def synthetic(n: int, m: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    first_day, last_day = 17_000, 20_000
    customers = CustomerAttributes(
        geo_market_id=rng.integers(-1, 5_000, n),
        industry_id=rng.integers(-1, 200, n),
        referred_by=np.where(rng.random(n) < 0.05, rng.integers(0, n, n), -1),
        qualified_lead=rng.random(n) < 0.05,
        lead_score=np.where(rng.random(n) < 0.2, rng.random(n), np.nan),
    )
    orders = OrderEvents(
        customer_index=rng.integers(0, int(n * 0.8), m),
        ordered_day=rng.integers(first_day, last_day, m),
        amount=rng.gamma(2.0, 50.0, m),
        discounted=rng.random(m) < 0.3,
        units=np.where(rng.random(m) < 0.9, rng.integers(1, 10, m), np.nan),
    )
    n_lines = 2 * m
    lines = LineEvents(
        order_index=rng.integers(0, m, n_lines),
        category_id=rng.integers(0, 300, n_lines),
        tier=rng.integers(-1, 3, n_lines),
        spend=rng.gamma(2.0, 25.0, n_lines),
        launched_day=rng.integers(first_day - 500, last_day, n_lines),
    )
    n_interactions = m // 2
    interactions = InteractionEvents(
        customer_index=rng.integers(0, n, n_interactions),
        day=rng.integers(first_day, last_day, n_interactions),
        kind=rng.integers(0, 7, n_interactions),
    )
    tickets = TicketEvents(
        customer_index=rng.integers(0, n, n),
        opened_day=rng.integers(first_day, last_day, n),
        kind=rng.integers(0, 3, n),
        accepted=rng.random(n) < 0.3,
    )
    surveys = SurveyEvents(
        customer_index=rng.integers(0, n, n),
        answered_day=rng.integers(first_day, last_day, n),
        nps=rng.integers(0, 11, n),
    )
    return {
        "customers": customers,
        "orders": orders,
        "lines": lines,
        "interactions": interactions,
        "tickets": tickets,
        "surveys": surveys,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10_000_000)
    args = parser.parse_args()
    events = synthetic(args.customers, args.orders)
    rng = np.random.default_rng(1)
    p_alive = rng.random(args.customers)
    clv_12m = rng.gamma(2.0, 100.0, args.customers)

    started = time.perf_counter()
    features = customer_features(**events, as_of_day=19_900)
    featured = time.perf_counter()
    loyalty = loyalty_score(features, p_alive)
    stage = lifecycle_stage(features, p_alive, loyalty=loyalty)
    types = customer_types(features, p_alive, clv_12m, loyalty=loyalty)
    orientation(features)
    strategy = relationship_strategy(features, stage, p_alive, clv_12m, types)
    ruled = time.perf_counter()
    types.joined()
    joined = time.perf_counter()
    evidence_started = time.perf_counter()
    for index in range(1_000):
        stage.evidence(index), types.evidence(index), strategy.evidence(index)
    evidence_seconds = time.perf_counter() - evidence_started
    print(f"customers {args.customers:,}, orders {args.orders:,}, lines {2 * args.orders:,}")
    print(f"features {featured - started:.2f} s")
    print(f"loyalty + stage + types + orientation + strategy {ruled - featured:.2f} s")
    print(f"types joined as text {joined - ruled:.2f} s")
    print(f"evidence of 1,000 customers {evidence_seconds:.3f} s")


if __name__ == "__main__":
    main()
