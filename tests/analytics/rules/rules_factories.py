"""Hand-built customers for the rule tests: features with chosen values, the rest neutral."""

from __future__ import annotations

import dataclasses

import numpy as np

from daur.analytics.events import CustomerAttributes, OrderEvents
from daur.analytics.features import CustomerFeatures, customer_features


def make_features(n: int = 1, **columns: object) -> CustomerFeatures:
    """n customers with no events, then each named feature set (a scalar is broadcast to all).

    Start from a real computation so every column has the dtype the engine produces.
    """
    blank = customer_features(
        customers=CustomerAttributes.blank(n), orders=OrderEvents.empty(), as_of_day=20_000
    )
    changes = {}
    for name, value in columns.items():
        current = getattr(blank, name)
        if isinstance(current, np.ndarray):
            changes[name] = np.broadcast_to(np.asarray(value, dtype=current.dtype), (n,)).copy()
        else:
            changes[name] = value
    return dataclasses.replace(blank, **changes)


def buyer(n: int = 1, orders: object = 3, **columns: object) -> CustomerFeatures:
    """Active-looking buyers: `orders` orders, last one 10 days ago, no discount, one category."""
    orders = np.asarray(orders)
    defaults = {
        "order_count": orders,
        "days_since_last_order": 10.0,
        "discount_share": 0.0,
        "discounted_order_count": 0,
        "spend_total": 100.0 * orders,
        "avg_order_value": 100.0,
        "units_total": orders.astype(float),
        "categories_count": 1,
        "unplanned_order_share": 0.0,
        "tickets_per_order": 0.0,
        "orders_recent": orders,
        "spend_recent": 100.0 * orders,
    }
    return make_features(n, **(defaults | columns))
