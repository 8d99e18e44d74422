"""Customer lifetime value: expected discounted margin over a horizon from fitted BTYD models.

    CLV_i = margin_i * E[order value_i] * sum_{m=1..H} (E_i(m) - E_i(m-1)) / (1 + d)^m

where E_i(m) is the conditional expected number of purchases of customer i in the first m months
after its T (`conditional_expected_purchases`), a month is 365.25 / 12 days, d is the monthly
rate equivalent to the annual one, d = (1 + annual)^(1/12) - 1, and E[order value] comes from
the Gamma-Gamma model (`gamma_gamma.expected_order_value`) or any other estimate.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from daur.analytics.btyd import purchase_model
from daur.analytics.btyd._fit import collapse_rows
from daur.analytics.summary import DAYS_PER_UNIT

DAYS_PER_MONTH = 365.25 / 12
DEFAULT_HORIZON_MONTHS = 12
DEFAULT_ANNUAL_DISCOUNT_RATE = 0.10
# Used where product margins are unknown; callers pass per-customer margins where known.
DEFAULT_MARGIN_RATE = 0.30
# Below this many customers, collapsing rows costs more than it saves.
_COLLAPSE_FROM = 256


def discounted_expected_purchases(
    model: str,
    params: Mapping[str, float],
    x,
    t_x,
    T,
    *,
    time_unit: str = "week",
    horizon_months: int = DEFAULT_HORIZON_MONTHS,
    annual_discount_rate: float = DEFAULT_ANNUAL_DISCOUNT_RATE,
) -> np.ndarray:
    """sum over months m of (E(m) - E(m-1)) / (1 + d)^m, per customer.

    E(m) factors as P(alive | x, t_x, T) times an expectation that depends on (x, T) only, so
    each factor is computed once per distinct row: 1M customers need a few thousand 2F1 calls.
    """
    module = purchase_model(model)
    x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, T)))
    shape = x.shape
    months = np.arange(1, horizon_months + 1, dtype=np.float64)
    ends = months * DAYS_PER_MONTH / DAYS_PER_UNIT[time_unit]
    discount = (1.0 + annual_discount_rate) ** (-months / 12.0)
    if x.size < _COLLAPSE_FROM:
        if_alive = np.stack([module.expected_purchases_if_alive(params, e, x, T) for e in ends])
        per_month = np.diff(if_alive, axis=0, prepend=0.0)
        return module.p_alive(params, x, t_x, T) * np.tensordot(discount, per_month, axes=1)
    (ux, ut, uT), _, inv_rows = collapse_rows(x.ravel(), t_x.ravel(), T.ravel())
    alive = module.p_alive(params, ux, ut, uT)
    (vx, vT), _, inv_xT = collapse_rows(ux, uT)
    if_alive = np.stack([module.expected_purchases_if_alive(params, e, vx, vT) for e in ends])
    per_month = np.diff(if_alive, axis=0, prepend=0.0)
    weighted = discount @ per_month
    return (alive * weighted[inv_xT])[inv_rows].reshape(shape)


def clv(
    model: str,
    params: Mapping[str, float],
    x,
    t_x,
    T,
    expected_order_value,
    *,
    margin_rate=DEFAULT_MARGIN_RATE,
    time_unit: str = "week",
    horizon_months: int = DEFAULT_HORIZON_MONTHS,
    annual_discount_rate: float = DEFAULT_ANNUAL_DISCOUNT_RATE,
) -> np.ndarray:
    """Expected discounted margin per customer over `horizon_months` (see the module formula).

    `params` are the purchase model's, fitted in `time_unit`; `margin_rate` is a number or one
    per customer; `expected_order_value` one per customer (or a number).
    """
    purchases = discounted_expected_purchases(
        model,
        params,
        x,
        t_x,
        T,
        time_unit=time_unit,
        horizon_months=horizon_months,
        annual_discount_rate=annual_discount_rate,
    )
    return np.asarray(margin_rate) * np.asarray(expected_order_value) * purchases
