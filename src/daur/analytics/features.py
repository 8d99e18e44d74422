"""Customer features as of a day: one aligned array per feature, no per-customer Python loop.

Conventions: counts are int64; amounts, shares and day counts are float64 with NaN where they are
undefined (no order, no gap, no survey). Only events on or before `as_of_day` count; the ones
after it are left out and counted in `events_after_as_of` so the caller can flag them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType

import numpy as np

from daur.analytics.events import (
    INTERACTION_CODES,
    NO_DAY,
    NO_INDEX,
    TICKET_CODES,
    CustomerAttributes,
    InteractionEvents,
    LineEvents,
    OrderEvents,
    SurveyEvents,
    TicketEvents,
)
from daur.analytics.features_orders import (
    gap_stats,
    had_interaction_before,
    line_stats,
    nan_divide,
    sort_by_customer_day,
    sum_by,
)
from daur.analytics.rules_config import RulesConfig
from daur.vocabulary import INBOUND_INTERACTION_KINDS

# "Inquiries/questions" before the first order: only the `inquiry` kind. Calls, emails and
# meetings may be our own outreach, so they do not show the customer asking.
QUESTION_KINDS = ("inquiry",)
# A visit or an inquiry shortly before an order makes it planned (SPEC §1.3, impulsive).
PLANNING_KINDS = ("visit", "inquiry")


@dataclass(frozen=True)
class CustomerFeatures:
    """One row per customer, as of `as_of_day` (int days since epoch)."""

    as_of_day: int
    events_after_as_of: Mapping[str, int]  # per event kind, how many were left out
    # orders
    order_count: np.ndarray
    first_order_day: np.ndarray  # float days since epoch, NaN without orders
    last_order_day: np.ndarray
    days_since_last_order: np.ndarray
    gap_count: np.ndarray  # gaps between consecutive distinct order days
    gap_median_days: np.ndarray  # NaN without a gap
    gap_mean_days: np.ndarray
    gap_cv: np.ndarray  # population std / mean of the gaps; NaN with fewer than 2 gaps
    gap_max_days: np.ndarray
    lapse_in_history: np.ndarray  # a gap > max(lapse_min_days, multiple x own median gap)
    discounted_order_count: np.ndarray
    discount_share: np.ndarray  # of orders, NaN without orders
    spend_total: np.ndarray
    avg_order_value: np.ndarray
    units_total: np.ndarray  # NaN when any order's units are unknown
    orders_recent: np.ndarray  # orders in the last `recent_days` (default 365)
    spend_recent: np.ndarray  # spend in the last `recent_days`
    spend_previous: np.ndarray  # spend in the `recent_days` before those
    unplanned_order_count: np.ndarray
    unplanned_order_share: np.ndarray
    # lines
    categories_count: np.ndarray
    line_spend_total: np.ndarray
    budget_share: np.ndarray  # of line spend; NaN without line spend
    standard_share: np.ndarray
    premium_share: np.ndarray
    new_product_share: np.ndarray  # spend on products launched <= new_product_days before
    # interactions
    visit_count: np.ndarray
    inquiry_count: np.ndarray
    visits_inquiries: np.ndarray
    inbound_interactions: np.ndarray
    inquiries_before_first_order: np.ndarray  # all inquiries while no order yet
    # service and surveys
    ticket_count: np.ndarray
    tickets_recent: np.ndarray
    tickets_per_order: np.ndarray  # NaN without orders
    complaints_recent: np.ndarray
    days_since_last_complaint: np.ndarray  # NaN without complaint
    suggestions: np.ndarray
    accepted_suggestions: np.ndarray
    latest_nps: np.ndarray  # NaN without survey; same-day answers: the last one given wins
    # relations
    referrals_count: np.ndarray  # customers referred by this one, known by the as-of day
    converted_referrals: np.ndarray  # ... who have ordered
    door_opener: np.ndarray
    door_opener_followers: np.ndarray  # later buyers in the market(s) it opened
    qualified_lead: np.ndarray
    lead_score: np.ndarray

    def __post_init__(self) -> None:
        after = MappingProxyType(dict(self.events_after_as_of))
        object.__setattr__(self, "events_after_as_of", after)

    @property
    def n_customers(self) -> int:
        return len(self.order_count)

    def row(self, index: int) -> dict[str, object]:
        """The features of one customer as plain values (for evidence and debugging)."""
        return {
            f.name: getattr(self, f.name)[index].item()
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }


def latest_event_day(*event_days: np.ndarray) -> int:
    """The default as-of day (SPEC §1.3): the latest day among the events, 0 when there is none."""
    known = [days[days != NO_DAY].max() for days in event_days if (days != NO_DAY).any()]
    return int(max(known)) if known else 0


def customer_features(
    *,
    customers: CustomerAttributes,
    orders: OrderEvents,
    lines: LineEvents | None = None,
    interactions: InteractionEvents | None = None,
    tickets: TicketEvents | None = None,
    surveys: SurveyEvents | None = None,
    as_of_day: int | None = None,
    config: RulesConfig | None = None,
) -> CustomerFeatures:
    """Compute every feature of SPEC §1.3-1.5 for all customers as of `as_of_day`."""
    config = config or RulesConfig()
    lines = lines if lines is not None else LineEvents.empty()
    interactions = interactions if interactions is not None else InteractionEvents.empty()
    tickets = tickets if tickets is not None else TicketEvents.empty()
    surveys = surveys if surveys is not None else SurveyEvents.empty()
    n = len(customers)
    for name, index, bound in (
        ("orders.customer_index", orders.customer_index, n),
        ("lines.order_index", lines.order_index, len(orders)),
        ("interactions.customer_index", interactions.customer_index, n),
        ("tickets.customer_index", tickets.customer_index, n),
        ("surveys.customer_index", surveys.customer_index, n),
    ):
        _check_index(name, index, bound)
    if as_of_day is None:
        as_of_day = latest_event_day(
            orders.ordered_day, interactions.day, tickets.opened_day, surveys.answered_day
        )
    as_of = int(as_of_day)
    recent_days = config.features.recent_days

    kept_order = orders.ordered_day <= as_of
    all_orders_kept = bool(kept_order.all())
    kept_line = np.ones(len(lines), bool) if all_orders_kept else kept_order[lines.order_index]
    kept_interaction = interactions.day <= as_of
    kept_ticket = tickets.opened_day <= as_of
    kept_survey = surveys.answered_day <= as_of
    events_after = {
        "orders": int((~kept_order).sum()),
        "lines": int((~kept_line).sum()),
        "interactions": int((~kept_interaction).sum()),
        "tickets": int((~kept_ticket).sum()),
        "surveys": int((~kept_survey).sum()),
    }

    # a slice where everything is kept spares copying the columns
    rows_order, rows_line, rows_interaction, rows_ticket = (
        _rows(kept) for kept in (kept_order, kept_line, kept_interaction, kept_ticket)
    )

    # a slice where everything is kept spares copying the columns
    rows_order, rows_line, rows_interaction, rows_ticket = (
        _rows(kept) for kept in (kept_order, kept_line, kept_interaction, kept_ticket)
    )

    # orders
    customer = orders.customer_index[rows_order]
    day = orders.ordered_day[rows_order]
    amount = _zero_nan(orders.amount[rows_order])
    order_count = np.bincount(customer, minlength=n)
    has_order = order_count > 0
    order_sort = sort_by_customer_day(customer, day)
    sorted_day = day[order_sort]
    end = np.cumsum(order_count)
    first_order_day = np.full(n, np.nan)
    last_order_day = np.full(n, np.nan)
    first_order_day[has_order] = sorted_day[end[has_order] - order_count[has_order]]
    last_order_day[has_order] = sorted_day[end[has_order] - 1]
    gaps = gap_stats(customer[order_sort], sorted_day, n)
    lapse_threshold = config.lifecycle.lapse_threshold_days(gaps.gap_median_days)
    discounted_order_count = np.bincount(customer[orders.discounted[rows_order]], minlength=n)
    spend_total = sum_by(customer, amount, n)
    units = orders.units[rows_order]
    units_unknown = np.bincount(customer, weights=np.isnan(units), minlength=n) > 0
    units_total = np.where(units_unknown, np.nan, sum_by(customer, np.nan_to_num(units), n))
    age_days = as_of - day
    recent = age_days < recent_days
    previous = (age_days >= recent_days) & (age_days < 2 * recent_days)

    # lines: line_order indexes the kept orders
    line_order = lines.order_index[rows_line]
    if not all_orders_kept:
        line_order = (np.cumsum(kept_order) - 1)[line_order]
    mix = line_stats(
        line_order=line_order,
        category_id=lines.category_id[rows_line],
        tier=lines.tier[rows_line],
        spend=lines.spend[rows_line],
        launched_day=lines.launched_day[rows_line],
        order_customer=customer,
        order_day=day,
        n=n,
        new_product_days=config.features.new_product_days,
    )

    # interactions
    i_customer = interactions.customer_index[rows_interaction]
    i_day = interactions.day[rows_interaction]
    i_kind = interactions.kind[rows_interaction]
    visit = i_kind == INTERACTION_CODES["visit"]
    inquiry = i_kind == INTERACTION_CODES["inquiry"]
    planning = _kind_in(i_kind, PLANNING_KINDS, INTERACTION_CODES)
    question = _kind_in(i_kind, QUESTION_KINDS, INTERACTION_CODES)
    inbound = _kind_in(i_kind, INBOUND_INTERACTION_KINDS, INTERACTION_CODES)
    first_of_customer = first_order_day[i_customer]
    before_first = np.isnan(first_of_customer) | (i_day < first_of_customer)
    planned = np.empty(customer.size, bool)
    planned[order_sort] = had_interaction_before(  # sorted queries search faster
        order_customer=customer[order_sort],
        order_day=sorted_day,
        interaction_customer=i_customer[planning],
        interaction_day=i_day[planning],
        lookback_days=config.features.unplanned_lookback_days,
    )
    unplanned = ~planned & mix.order_has_new_category
    unplanned_order_count = np.bincount(customer[unplanned], minlength=n)
    visit_count = np.bincount(i_customer[visit], minlength=n)
    inquiry_count = np.bincount(i_customer[inquiry], minlength=n)

    # tickets
    t_customer = tickets.customer_index[rows_ticket]
    t_age_days = as_of - tickets.opened_day[rows_ticket]
    t_kind = tickets.kind[rows_ticket]
    complaint = t_kind == TICKET_CODES["complaint"]
    suggestion = t_kind == TICKET_CODES["suggestion"]
    ticket_recent = t_age_days < recent_days
    days_since_last_complaint = np.full(n, np.inf)
    np.minimum.at(days_since_last_complaint, t_customer[complaint], t_age_days[complaint])
    days_since_last_complaint[np.isinf(days_since_last_complaint)] = np.nan
    ticket_count = np.bincount(t_customer, minlength=n)

    referrals_count, converted_referrals = _referrals(customers, has_order, as_of)
    door_opener, followers = _door_openers(customers, first_order_day)

    return CustomerFeatures(
        as_of_day=as_of,
        events_after_as_of=events_after,
        order_count=order_count,
        first_order_day=first_order_day,
        last_order_day=last_order_day,
        days_since_last_order=as_of - last_order_day,
        gap_count=gaps.gap_count,
        gap_median_days=gaps.gap_median_days,
        gap_mean_days=gaps.gap_mean_days,
        gap_cv=gaps.gap_cv,
        gap_max_days=gaps.gap_max_days,
        lapse_in_history=gaps.gap_max_days > lapse_threshold,
        discounted_order_count=discounted_order_count,
        discount_share=nan_divide(discounted_order_count, order_count),
        spend_total=spend_total,
        avg_order_value=nan_divide(spend_total, order_count),
        units_total=units_total,
        orders_recent=np.bincount(customer[recent], minlength=n),
        spend_recent=sum_by(customer[recent], amount[recent], n),
        spend_previous=sum_by(customer[previous], amount[previous], n),
        unplanned_order_count=unplanned_order_count,
        unplanned_order_share=nan_divide(unplanned_order_count, order_count),
        categories_count=mix.categories_count,
        line_spend_total=mix.line_spend_total,
        budget_share=nan_divide(mix.budget_spend, mix.line_spend_total),
        standard_share=nan_divide(mix.standard_spend, mix.line_spend_total),
        premium_share=nan_divide(mix.premium_spend, mix.line_spend_total),
        new_product_share=nan_divide(mix.new_product_spend, mix.line_spend_total),
        visit_count=visit_count,
        inquiry_count=inquiry_count,
        visits_inquiries=visit_count + inquiry_count,
        inbound_interactions=np.bincount(i_customer[inbound], minlength=n),
        inquiries_before_first_order=np.bincount(i_customer[question & before_first], minlength=n),
        ticket_count=ticket_count,
        tickets_recent=np.bincount(t_customer[ticket_recent], minlength=n),
        tickets_per_order=nan_divide(ticket_count, order_count),
        complaints_recent=np.bincount(t_customer[complaint & ticket_recent], minlength=n),
        days_since_last_complaint=days_since_last_complaint,
        suggestions=np.bincount(t_customer[suggestion], minlength=n),
        accepted_suggestions=np.bincount(
            t_customer[suggestion & tickets.accepted[rows_ticket]], minlength=n
        ),
        latest_nps=_latest_nps(surveys, kept_survey, n),
        referrals_count=referrals_count,
        converted_referrals=converted_referrals,
        door_opener=door_opener,
        door_opener_followers=followers,
        qualified_lead=customers.qualified_lead.copy(),
        lead_score=customers.lead_score.copy(),
    )


def _rows(kept: np.ndarray) -> np.ndarray | slice:
    return slice(None) if kept.all() else kept


def _zero_nan(values: np.ndarray) -> np.ndarray:
    return np.nan_to_num(values) if np.isnan(values).any() else values


def _check_index(name: str, index: np.ndarray, bound: int) -> None:
    if index.size and (index.min() < 0 or index.max() >= bound):
        raise ValueError(f"{name} must lie in 0..{bound - 1}")


def _kind_in(kind: np.ndarray, names: tuple[str, ...], codes: Mapping[str, int]) -> np.ndarray:
    return np.isin(kind, [codes[name] for name in names])


def _latest_nps(surveys: SurveyEvents, kept: np.ndarray, n: int) -> np.ndarray:
    customer = surveys.customer_index[kept]
    latest = np.full(n, np.nan)
    if customer.size:
        order = sort_by_customer_day(customer, surveys.answered_day[kept], stable=True)
        last = np.ones(order.size, bool)
        last[:-1] = customer[order][1:] != customer[order][:-1]
        latest[customer[order][last]] = surveys.nps[kept][order][last]
    return latest


def _referrals(
    customers: CustomerAttributes, has_order: np.ndarray, as_of: int
) -> tuple[np.ndarray, np.ndarray]:
    """Referral links carry no date: a referred customer counts once it is known (created)."""
    n = len(customers)
    referrer = customers.referred_by
    _check_index_or_none("customers.referred_by", referrer, n)
    known = (customers.created_day == NO_DAY) | (customers.created_day <= as_of)
    counted = (referrer != NO_INDEX) & (referrer != np.arange(n)) & known
    return (
        np.bincount(referrer[counted], minlength=n),
        np.bincount(referrer[counted & has_order], minlength=n),
    )


def _check_index_or_none(name: str, index: np.ndarray, bound: int) -> None:
    _check_index(name, index[index != NO_INDEX], bound)


def _door_openers(
    customers: CustomerAttributes, first_order_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First buyers of a market (geography or industry) that later buyers followed.

    Customers whose first orders tie on the market's first day all count as its first buyers.
    """
    n = len(customers)
    door_opener = np.zeros(n, bool)
    followers = np.zeros(n, np.int64)
    buyer = ~np.isnan(first_order_day)
    for market in (customers.geo_market_id, customers.industry_id):
        rows = np.flatnonzero(buyer & (market != NO_INDEX))
        if rows.size == 0:
            continue
        _, market_of_row = np.unique(market[rows], return_inverse=True)
        first_day = np.full(market_of_row.max() + 1, np.inf)
        np.minimum.at(first_day, market_of_row, first_order_day[rows])
        later = first_order_day[rows] > first_day[market_of_row]
        later_buyers = np.bincount(market_of_row[later], minlength=first_day.size)
        opened = ~later & (later_buyers[market_of_row] > 0)
        door_opener[rows[opened]] = True
        opened_followers = np.where(opened, later_buyers[market_of_row], 0)
        followers[rows] = np.maximum(followers[rows], opened_followers)
    return door_opener, followers
