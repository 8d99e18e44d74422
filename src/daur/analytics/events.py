"""The event columns the rules read: orders, lines, interactions, tickets, surveys and customers.

The database layer streams each as aligned numpy arrays. Days are int64 days since 1970-01-01
(a datetime64 array is accepted and converted); `NO_DAY` marks an unknown day. Customers are
rows 0..n-1 of `CustomerAttributes`; events point at them with `customer_index`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from daur.vocabulary import INTERACTION_KINDS, PRODUCT_TIERS, TICKET_KINDS

NO_DAY = np.iinfo(np.int64).min
NO_INDEX = -1  # no referrer, unknown market, unknown category


def factorize(values) -> np.ndarray:  # noqa: ANN001 - a sequence or array of str
    """An id per distinct non-empty value, in order of first appearance; NO_INDEX for empty."""
    ids: dict[str, int] = {}
    items = values.tolist() if isinstance(values, np.ndarray) else values
    return np.array(
        [ids.setdefault(v, len(ids)) if v else NO_INDEX for v in items], dtype=np.int64
    )
UNKNOWN_TIER = -1
TIER_CODES = {name: code for code, name in enumerate(PRODUCT_TIERS)}
INTERACTION_CODES = {name: code for code, name in enumerate(INTERACTION_KINDS)}
TICKET_CODES = {name: code for code, name in enumerate(TICKET_KINDS)}


def as_days(values: object) -> np.ndarray:
    """int64 days since the epoch from int days or datetime64 values (NaT becomes NO_DAY)."""
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.datetime64):
        return array.astype("datetime64[D]").astype(np.int64)
    if array.size and array.dtype.kind == "f":
        raise ValueError("days must be whole numbers (int64) or datetime64, not floats")
    return array.astype(np.int64, copy=False)


_DTYPES = {
    "index": np.int64,
    "day": "day",
    "float": np.float64,
    "bool": np.bool_,
    "code": np.int8,
}


class _Columns:
    """Coerces each column to its dtype and checks they are aligned; columns are read-only."""

    _kinds: dict[str, str] = {}

    def __post_init__(self) -> None:
        length = None
        for column in fields(self):  # type: ignore[arg-type]
            raw = getattr(self, column.name)
            kind = self._kinds[column.name]
            if raw is None:
                raw = np.full(length or 0, self._missing(kind))
            dtype = _DTYPES[kind]
            array = as_days(raw) if dtype == "day" else np.asarray(raw).astype(dtype, copy=False)
            if array.ndim != 1:
                raise ValueError(f"{type(self).__name__}.{column.name} must be one-dimensional")
            if length is None:
                length = len(array)
            elif len(array) != length:
                raise ValueError(
                    f"{type(self).__name__}.{column.name} has {len(array)} rows, expected {length}"
                )
            array = array.view()
            array.flags.writeable = False
            object.__setattr__(self, column.name, array)

    @staticmethod
    def _missing(kind: str) -> object:
        return {"index": NO_INDEX, "day": NO_DAY, "float": np.nan, "bool": False, "code": -1}[kind]

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))  # type: ignore[arg-type]

    @classmethod
    def empty(cls):  # noqa: ANN206 - returns the subclass
        first, *rest = (f.name for f in fields(cls))  # type: ignore[arg-type]
        return cls(**{first: np.zeros(0, np.int64)}, **dict.fromkeys(rest))


@dataclass(frozen=True)
class OrderEvents(_Columns):
    """One row per order."""

    customer_index: np.ndarray  # int64, row in CustomerAttributes
    ordered_day: np.ndarray  # int64 days since epoch
    amount: np.ndarray  # float64, net order amount in the base currency
    discounted: np.ndarray | None = None  # bool: discount_amount > 0 or a coupon code
    units: np.ndarray | None = None  # float64 units in the order, NaN when unknown

    _kinds = {
        "customer_index": "index",
        "ordered_day": "day",
        "amount": "float",
        "discounted": "bool",
        "units": "float",
    }


@dataclass(frozen=True)
class LineEvents(_Columns):
    """One row per order line."""

    order_index: np.ndarray  # int64, row in OrderEvents
    category_id: np.ndarray | None = None  # int64 >= 0, NO_INDEX when unknown
    tier: np.ndarray | None = None  # int8 code of PRODUCT_TIERS (0 budget..2 premium), -1 unknown
    spend: np.ndarray | None = None  # float64 net line amount
    launched_day: np.ndarray | None = None  # int64 product launch day, NO_DAY when unknown

    _kinds = {
        "order_index": "index",
        "category_id": "index",
        "tier": "code",
        "spend": "float",
        "launched_day": "day",
    }


@dataclass(frozen=True)
class InteractionEvents(_Columns):
    """One row per interaction with a customer."""

    customer_index: np.ndarray  # int64
    day: np.ndarray  # int64 days since epoch
    kind: np.ndarray | None = None  # int8 code of INTERACTION_KINDS

    _kinds = {"customer_index": "index", "day": "day", "kind": "code"}


@dataclass(frozen=True)
class TicketEvents(_Columns):
    """One row per service ticket."""

    customer_index: np.ndarray  # int64
    opened_day: np.ndarray  # int64 days since epoch
    kind: np.ndarray | None = None  # int8 code of TICKET_KINDS
    accepted: np.ndarray | None = None  # bool, suggestions only

    _kinds = {"customer_index": "index", "opened_day": "day", "kind": "code", "accepted": "bool"}


@dataclass(frozen=True)
class SurveyEvents(_Columns):
    """One row per NPS answer."""

    customer_index: np.ndarray  # int64
    answered_day: np.ndarray  # int64 days since epoch
    nps: np.ndarray | None = None  # float64, 0..10

    _kinds = {"customer_index": "index", "answered_day": "day", "nps": "float"}


@dataclass(frozen=True)
class CustomerAttributes(_Columns):
    """One row per customer (or prospect); the row number is the customer_index of the events."""

    geo_market_id: np.ndarray  # int64 id of (country, city), NO_INDEX when either is empty
    industry_id: np.ndarray | None = None  # int64, NO_INDEX when empty
    referred_by: np.ndarray | None = None  # int64 customer_index of the referrer, NO_INDEX none
    created_day: np.ndarray | None = None  # int64 day known to us, NO_DAY when unknown
    qualified_lead: np.ndarray | None = None  # bool: has a lead at stage qualified or beyond
    lead_score: np.ndarray | None = None  # float64 probability of winning, NaN when none

    _kinds = {
        "geo_market_id": "index",
        "industry_id": "index",
        "referred_by": "index",
        "created_day": "day",
        "qualified_lead": "bool",
        "lead_score": "float",
    }

    @classmethod
    def blank(cls, n_customers: int) -> CustomerAttributes:
        """n customers with no market, referrer, lead or creation day."""
        return cls(geo_market_id=np.full(n_customers, NO_INDEX, np.int64))
