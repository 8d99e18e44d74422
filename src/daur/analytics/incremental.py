"""Incremental scoring: a base's per-customer state as of a day, moved on to a later day.

A run stores, per customer, its features (those that depend on no other customer), its buyer
summary (x, t_x, first purchase day, spends), its margin rate, what its neighbours' features
read (referrer, creation day, markets) and `next_change_day`: the first as-of day at which one
of its features stops moving on in closed form (an order leaving the 365- or 730-day window, a
ticket leaving the 365-day window, an event dated after the as-of day coming in). A later run
moves every customer on (`move_on`: the days since the last order and the last complaint, and
the buyers' age T, grow by the days passed), replaces the customers read again (`splice`:
those whose inputs changed, and those due by `next_change_day`), recomputes the features that
depend on other customers for the whole base (referrals, door openers) and fits and ranks on the
whole, as a full run does: the same scores (docs/scale.md, "Incremental nightly runs").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from daur.analytics.events import NO_DAY, NO_INDEX, CustomerAttributes, factorize
from daur.analytics.features import CustomerFeatures, _door_openers, _referrals
from daur.analytics.fit_inputs import TEST_MAX_CUSTOMERS, CalibrationSample
from daur.analytics.model_choice import MIN_SPAN_DAYS, holdout_split
from daur.analytics.rules_config import RulesConfig
from daur.analytics.scoring import BaseEvents, Bought
from daur.analytics.scoring_models import BuyerSummary

# Bumped whenever the stored columns change meaning: an older state makes a full run.
STATE_FORMAT = 1
AFTER_KINDS = ("orders", "lines", "interactions", "tickets", "surveys")
# Features that read other customers (or the leads, read again for the whole base every run):
# never stored, recomputed.
NEIGHBOURHOOD = (
    "referrals_count",
    "converted_referrals",
    "door_opener",
    "door_opener_followers",
    "qualified_lead",
    "lead_score",
)
STORED_FEATURES = tuple(
    f.name
    for f in fields(CustomerFeatures)
    if f.name not in ("as_of_day", "events_after_as_of", *NEIGHBOURHOOD)
)
SUMMARY = ("x", "t_x", "mean_repeat_spend", "total_spend", "order_days")
# Grow by the days passed.
AGEING = ("days_since_last_order", "days_since_last_complaint")


@dataclass(frozen=True)
class CustomerState:
    """Per customer (rows sorted by `pk`), as of `as_of_day`: the columns named above."""

    as_of_day: int
    columns: Mapping[str, np.ndarray]

    @property
    def pks(self) -> np.ndarray:
        return self.columns["pk"]

    @property
    def n_customers(self) -> int:
        return len(self.columns["pk"])


def expected_columns() -> set[str]:
    """The columns of a state of STATE_FORMAT."""
    return {
        "pk",
        "referrer_pk",
        "created_day",
        "geo_key",
        "industry_key",
        "first_purchase_day",
        "margin_rate",
        "next_change_day",
        "last_event_day",
        *STORED_FEATURES,
        *SUMMARY,
        *(f"after_{kind}" for kind in AFTER_KINDS),
    }


def state_of(
    events: BaseEvents,
    *,
    pks: np.ndarray,
    referrer_pks: np.ndarray,
    market_keys: Mapping[str, np.ndarray],
    features: CustomerFeatures,
    bought: Bought | None,
    config: RulesConfig,
) -> CustomerState:
    """The state of the customers of `events` (a whole base, or the few read again), from the
    features and buyer summary their scoring computed."""
    n = len(pks)
    as_of = features.as_of_day
    columns: dict[str, np.ndarray] = {
        "pk": np.asarray(pks, dtype=np.int64),
        "referrer_pk": np.asarray(referrer_pks, dtype=np.int64),
        "created_day": np.asarray(events.customers.created_day, dtype=np.int64)
        if events.customers.created_day is not None
        else np.full(n, NO_DAY, np.int64),
        "geo_key": np.asarray(market_keys["geo"], dtype=object),
        "industry_key": np.asarray(market_keys["industry"], dtype=object),
        "margin_rate": np.asarray(events.margin_rate, dtype=np.float64),
    }
    for name in STORED_FEATURES:
        columns[name] = getattr(features, name)
    first = np.full(n, np.nan)
    if bought is None:
        summary = {name: np.zeros(n) for name in SUMMARY}
    else:
        summary = {}
        for name in SUMMARY:
            values = getattr(bought.summary, name)
            full = np.zeros(n, dtype=values.dtype)
            full[bought.buyers] = values
            summary[name] = full
        first[bought.buyers] = as_of - bought.summary.T
    columns.update(summary)
    columns["first_purchase_day"] = first
    columns.update(_event_days(events, as_of, config))
    return CustomerState(as_of_day=as_of, columns=columns)


def _event_days(events: BaseEvents, as_of: int, config: RulesConfig) -> dict[str, np.ndarray]:
    """Per customer: the next day a feature stops moving on in closed form, the latest event
    day (the default as-of day is the latest over the base) and the events after the as-of day
    by kind."""
    n = len(events.margin_rate)
    window = config.features.recent_days
    orders, tickets = events.orders, events.tickets
    next_change = np.full(n, np.inf)
    last_event = np.full(n, NO_DAY, np.int64)
    out: dict[str, np.ndarray] = {}

    def due(customer: np.ndarray, day: np.ndarray) -> None:
        if customer.size:
            np.minimum.at(next_change, customer, day.astype(np.float64))

    order_day = orders.ordered_day
    kept = order_day <= as_of
    # An order counts in the recent window while its age < window, in the previous one while
    # its age < 2 x window: its count changes on the day its age reaches either.
    dated = order_day != NO_DAY  # an undated order's windows never change
    for span in (window, 2 * window):
        inside = kept & dated & (as_of - order_day < span)
        due(orders.customer_index[inside], order_day[inside] + span)
    ticket_day = tickets.opened_day
    inside = (ticket_day != NO_DAY) & (ticket_day <= as_of) & (as_of - ticket_day < window)
    due(tickets.customer_index[inside], ticket_day[inside] + window)
    for kind, customer, day in (
        ("orders", orders.customer_index, order_day),
        ("interactions", events.interactions.customer_index, events.interactions.day),
        ("tickets", tickets.customer_index, ticket_day),
        ("surveys", events.surveys.customer_index, events.surveys.answered_day),
    ):
        later = day > as_of
        due(customer[later], day[later])
        out[f"after_{kind}"] = np.bincount(customer[later], minlength=n)
        known = day != NO_DAY
        if known.any():
            np.maximum.at(last_event, customer[known], day[known])
    late_order = ~kept
    out["after_lines"] = np.bincount(
        orders.customer_index[events.lines.order_index[late_order[events.lines.order_index]]],
        minlength=n,
    )
    out["next_change_day"] = next_change
    out["last_event_day"] = last_event
    return out


def latest_day(state: CustomerState, *, leaving: np.ndarray | None = None) -> int:
    """The default as-of day of a base in this state: its latest event day (0 without one);
    `leaving`: customers (pks) left out (read again, they give theirs)."""
    days = state.columns["last_event_day"]
    if leaving is not None:
        days = days[~np.isin(state.pks, leaving)]
    known = days[days != NO_DAY]
    return int(known.max()) if known.size else 0


def due_for_reading(state: CustomerState, as_of_day: int) -> np.ndarray:
    """The customers (pks) whose features do not move on in closed form to `as_of_day`."""
    return state.pks[state.columns["next_change_day"] <= as_of_day]


def move_on(state: CustomerState, as_of_day: int) -> CustomerState:
    """Every customer as of the later `as_of_day`, its events unchanged and none of them due
    (`due_for_reading`): the days since the last order and complaint grow by the days passed
    (the buyers' age T follows from the stored first purchase day)."""
    passed = as_of_day - state.as_of_day
    if passed < 0:
        raise ValueError(f"as-of day {as_of_day} is before the state's {state.as_of_day}")
    columns = dict(state.columns)
    for name in AGEING:
        columns[name] = columns[name] + float(passed)
    return CustomerState(as_of_day=as_of_day, columns=columns)


def splice(state: CustomerState, fresh: CustomerState, reread: Sequence[int]) -> CustomerState:
    """`state` with the customers of `reread` replaced by their rows in `fresh` (a customer read
    again and not found is gone: deleted or merged away)."""
    if fresh.as_of_day != state.as_of_day:
        raise ValueError("the state read again is as of another day")
    keep = ~np.isin(state.pks, np.asarray(reread, dtype=np.int64))
    names = state.columns.keys()
    if not fresh.columns:  # none of them found
        fresh = CustomerState(fresh.as_of_day, {name: state.columns[name][:0] for name in names})
    if set(fresh.columns) != set(names):
        raise ValueError("the state read again has other columns")
    pks = np.concatenate([state.pks[keep], fresh.pks])
    order = np.argsort(pks, kind="stable")
    if (np.diff(pks[order]) == 0).any():
        raise ValueError("a customer read again is also kept")
    columns = {
        name: np.concatenate([state.columns[name][keep], fresh.columns[name]])[order]
        for name in names
    }
    return CustomerState(as_of_day=state.as_of_day, columns=columns)


def state_features(
    state: CustomerState, *, qualified_lead: np.ndarray, lead_score: np.ndarray
) -> CustomerFeatures:
    """The features of the whole base in `state`: the stored ones, and those that read other
    customers recomputed (`features._referrals`, `features._door_openers`)."""
    c = state.columns
    pks = state.pks
    referrer = c["referrer_pk"]
    position = np.searchsorted(pks, referrer)
    found = (referrer >= 0) & (position < len(pks))
    found[found] &= pks[position[found]] == referrer[found]
    customers = CustomerAttributes(
        geo_market_id=factorize(c["geo_key"]),
        industry_id=factorize(c["industry_key"]),
        referred_by=np.where(found, position, NO_INDEX),
        created_day=c["created_day"],
        qualified_lead=qualified_lead,
        lead_score=lead_score,
    )
    has_order = c["order_count"] > 0
    referrals, converted = _referrals(customers, has_order, state.as_of_day)
    opener, followers = _door_openers(customers, c["first_order_day"])
    return CustomerFeatures(
        as_of_day=state.as_of_day,
        events_after_as_of={kind: int(c[f"after_{kind}"].sum()) for kind in AFTER_KINDS},
        **{name: c[name] for name in STORED_FEATURES},
        referrals_count=referrals,
        converted_referrals=converted,
        door_opener=opener,
        door_opener_followers=followers,
        qualified_lead=qualified_lead,
        lead_score=lead_score,
    )


def buyers_of(state: CustomerState) -> tuple[np.ndarray, BuyerSummary] | None:
    """The buyers (rows) and their summary as of the state's day; None without a buyer."""
    c = state.columns
    first = c["first_purchase_day"]
    buyers = np.flatnonzero(~np.isnan(first))
    if buyers.size == 0:
        return None
    values = {name: c[name][buyers] for name in SUMMARY}
    return buyers, BuyerSummary(T=state.as_of_day - first[buyers], **values)


@dataclass(frozen=True)
class CalibrationPlan:
    """Which customers the holdout test's sample draws from (read their purchases again:
    `calibration_of`), and how many customers are old enough for it in the whole base."""

    first_day: int
    customers: np.ndarray  # rows of the state
    n_aged: int
    too_short: bool


def calibration_plan(state: CustomerState, keys: np.ndarray) -> CalibrationPlan | None:
    """As `model_choice.calibration_sample` chooses, from the stored first purchase days: the
    TEST_MAX_CUSTOMERS smallest sample keys among the buyers whose first purchase is before the
    calibration end. None without a buyer."""
    first = state.columns["first_purchase_day"]
    bought = ~np.isnan(first)
    if not bought.any():
        return None
    first_day = int(first[bought].min())
    as_of = state.as_of_day
    calibration_end, _ = holdout_split(first_day, as_of)
    if as_of - first_day < MIN_SPAN_DAYS:
        return CalibrationPlan(first_day, np.zeros(0, np.int64), 0, too_short=True)
    aged = np.flatnonzero(bought & (first < calibration_end))
    chosen = aged[np.argsort(keys[aged], kind="stable")[:TEST_MAX_CUSTOMERS]]
    return CalibrationPlan(first_day, np.sort(chosen), int(aged.size), too_short=False)


def with_aged(sample: CalibrationSample | None, n_aged: int) -> CalibrationSample | None:
    """The sample drawn from the plan's customers, counting the whole base's aged customers."""
    if sample is None:
        return None
    return CalibrationSample(
        key=sample.key,
        x=sample.x,
        t_x=sample.t_x,
        T=sample.T,
        holdout_x=sample.holdout_x,
        n_aged=n_aged,
    )

