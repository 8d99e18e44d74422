"""Customer features from hand-built event arrays."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daur.analytics.events import (
    INTERACTION_CODES,
    NO_DAY,
    TICKET_CODES,
    TIER_CODES,
    CustomerAttributes,
    InteractionEvents,
    LineEvents,
    OrderEvents,
    SurveyEvents,
    TicketEvents,
)
from daur.analytics.features import customer_features
from daur.analytics.rules_config import RulesConfig


def orders_on(days_by_customer, amount=10.0, discounted=None, units=None):
    customer = np.concatenate([[c] * len(days) for c, days in enumerate(days_by_customer)])
    day = np.concatenate([list(days) for days in days_by_customer])
    count = len(day)
    return OrderEvents(
        customer_index=customer.astype(int),
        ordered_day=day.astype(int),
        amount=np.full(count, amount) if np.isscalar(amount) else amount,
        discounted=discounted,
        units=units,
    )


def features_for(days_by_customer, as_of_day=1000, **events):
    n = len(days_by_customer)
    return customer_features(
        customers=events.pop("customers", CustomerAttributes.blank(n)),
        orders=orders_on(days_by_customer),
        as_of_day=as_of_day,
        **events,
    )


def test_gaps_between_distinct_order_days():
    f = features_for([[0, 10, 30, 30, 60]])
    assert f.order_count[0] == 5
    assert f.gap_count[0] == 3  # the two orders of day 30 make one order day
    assert f.gap_median_days[0] == 20
    assert f.gap_mean_days[0] == 20
    assert f.gap_cv[0] == pytest.approx(np.std([10, 20, 30]) / 20)
    assert f.gap_max_days[0] == 30
    assert f.first_order_day[0] == 0
    assert f.last_order_day[0] == 60
    assert f.days_since_last_order[0] == 940


def test_gap_median_of_an_even_count_is_the_mean_of_the_middle_two():
    f = features_for([[0, 1, 11, 111, 1111]], as_of_day=2000)
    assert f.gap_median_days[0] == (10 + 100) / 2


def test_cv_needs_two_gaps_and_median_one():
    f = features_for([[5], [5, 25], [5, 25, 35]])
    assert np.isnan(f.gap_median_days[0]) and np.isnan(f.gap_cv[0])
    assert f.gap_median_days[1] == 20 and np.isnan(f.gap_cv[1])
    assert f.gap_cv[2] == pytest.approx(np.std([20, 10]) / 15)


@pytest.mark.parametrize(("long_gap", "lapse"), [(89, False), (90, False), (91, True)])
def test_lapse_in_history_over_ninety_days(long_gap, lapse):
    f = features_for([[0, 10, 20, 30, 30 + long_gap]])  # median gap 10 -> threshold 90
    assert f.lapse_in_history[0] == lapse


def test_lapse_in_history_scales_with_own_median_gap():
    f = features_for([[0, 40, 80, 120, 240], [0, 40, 80, 120, 241]])  # threshold 3 x 40
    assert list(f.lapse_in_history) == [False, True]


def test_discounts_spend_units():
    orders = OrderEvents(
        customer_index=[0, 0, 0, 1],
        ordered_day=[1, 2, 3, 4],
        amount=[10.0, 20.0, 30.0, 5.0],
        discounted=[True, False, True, False],
        units=[1.0, 2.0, 3.0, np.nan],
    )
    f = customer_features(customers=CustomerAttributes.blank(3), orders=orders, as_of_day=10)
    assert f.discounted_order_count.tolist() == [2, 0, 0]
    assert f.discount_share[0] == pytest.approx(2 / 3)
    assert f.spend_total.tolist() == [60.0, 5.0, 0.0]
    assert f.avg_order_value[0] == 20.0
    assert np.isnan(f.avg_order_value[2]) and np.isnan(f.discount_share[2])
    assert f.units_total[0] == 6.0
    assert np.isnan(f.units_total[1])  # one order with unknown units


def test_line_mix_categories_and_new_products():
    orders = orders_on([[1000, 1100]])
    lines = LineEvents(
        order_index=[0, 0, 1, 1, 1],
        category_id=[7, 8, 7, 9, -1],
        tier=[TIER_CODES["premium"], TIER_CODES["budget"], TIER_CODES["standard"], -1, -1],
        spend=[40.0, 10.0, 20.0, 20.0, 10.0],
        launched_day=[820, 819, NO_DAY, 1100, 1101],  # 180 days / 181 days / unknown / same day
    )
    f = customer_features(
        customers=CustomerAttributes.blank(1), orders=orders, lines=lines, as_of_day=1200
    )
    assert f.categories_count[0] == 3  # 7, 8, 9; the unknown category is not counted
    assert f.line_spend_total[0] == 100.0
    assert f.premium_share[0] == pytest.approx(0.4)
    assert f.budget_share[0] == pytest.approx(0.1)
    assert f.standard_share[0] == pytest.approx(0.2)
    # new: launched 180 days before (40) and on the order day (20); a launch after it is not
    assert f.new_product_share[0] == pytest.approx(0.6)


def unplanned_case(interaction_days, kinds=("visit",), categories=(1, 2)):
    orders = orders_on([[100, 200]])
    lines = LineEvents(order_index=[0, 1], category_id=list(categories), spend=[1.0, 1.0])
    interactions = InteractionEvents(
        customer_index=[0] * len(interaction_days),
        day=list(interaction_days),
        kind=[INTERACTION_CODES[k] for k in kinds] * len(interaction_days),
    )
    return customer_features(
        customers=CustomerAttributes.blank(1),
        orders=orders,
        lines=lines,
        interactions=interactions,
        as_of_day=300,
    )


@pytest.mark.parametrize(
    ("interaction_day", "unplanned"),
    [(185, 2), (186, 1), (199, 1), (200, 2)],  # 15 days before / 14 / 1 / the order day itself
)
def test_unplanned_orders_look_back_fourteen_days(interaction_day, unplanned):
    f = unplanned_case([interaction_day])
    assert f.unplanned_order_count[0] == unplanned
    assert f.unplanned_order_share[0] == unplanned / 2


def test_an_inquiry_plans_an_order_but_a_call_does_not():
    assert unplanned_case([195], kinds=("inquiry",)).unplanned_order_count[0] == 1
    assert unplanned_case([195], kinds=("call",)).unplanned_order_count[0] == 2


def test_an_order_without_a_new_category_is_not_unplanned():
    assert unplanned_case([], categories=(1, 1)).unplanned_order_count[0] == 1


def test_unplanned_lookback_is_configurable():
    config = RulesConfig.from_mapping({"features.unplanned_lookback_days": 30})
    orders = orders_on([[100]])
    lines = LineEvents(order_index=[0], category_id=[1], spend=[1.0])
    interactions = InteractionEvents(customer_index=[0], day=[75], kind=[0])
    f = customer_features(
        customers=CustomerAttributes.blank(1),
        orders=orders,
        lines=lines,
        interactions=interactions,
        as_of_day=300,
        config=config,
    )
    assert f.unplanned_order_count[0] == 0


def test_interactions_counts_and_inquiries_before_first_order():
    code = INTERACTION_CODES
    interactions = InteractionEvents(
        customer_index=[0, 0, 0, 0, 0, 1, 1],
        day=[1, 2, 3, 50, 60, 5, 6],
        kind=[
            code["inquiry"],
            code["call"],
            code["inquiry"],
            code["inquiry"],  # on the first order day: not before it
            code["visit"],
            code["email"],
            code["inquiry"],
        ],
    )
    f = features_for([[50], []], interactions=interactions, as_of_day=100)
    assert f.inquiries_before_first_order.tolist() == [2, 1]
    assert f.inquiry_count.tolist() == [3, 1]
    assert f.visits_inquiries.tolist() == [4, 1]
    assert f.inbound_interactions.tolist() == [4, 1]  # calls and emails are not inbound


def test_tickets_and_recent_complaints():
    code = TICKET_CODES
    tickets = TicketEvents(
        customer_index=[0, 0, 0, 0, 0],
        opened_day=[636, 635, 900, 950, 960],
        kind=[code["complaint"], code["complaint"], code["suggestion"], code["suggestion"], 1],
        accepted=[False, False, True, False, False],
    )
    f = features_for([[600, 610]], tickets=tickets, as_of_day=1000)
    assert f.complaints_recent[0] == 1  # 364 days ago counts, 365 days ago does not
    assert f.days_since_last_complaint[0] == 364
    assert f.ticket_count[0] == 5
    assert f.tickets_per_order[0] == 2.5
    assert (f.suggestions[0], f.accepted_suggestions[0]) == (2, 1)


def test_latest_nps_is_the_last_answer():
    surveys = SurveyEvents(customer_index=[0, 0, 1], answered_day=[20, 10, 5], nps=[3, 10, 9])
    f = features_for([[], [], []], surveys=surveys, as_of_day=100)
    assert f.latest_nps[0] == 3 and f.latest_nps[1] == 9
    assert np.isnan(f.latest_nps[2])


def test_referrals_count_converted_ones_and_only_known_customers():
    customers = CustomerAttributes(
        geo_market_id=[-1] * 5,
        referred_by=[-1, 0, 0, 0, 1],
        created_day=[0, 0, 0, 200, NO_DAY],  # customer 3 is not known yet on day 100
    )
    f = features_for([[10], [20], [], [30], []], customers=customers, as_of_day=100)
    assert f.referrals_count.tolist() == [2, 1, 0, 0, 0]
    assert f.converted_referrals.tolist() == [1, 0, 0, 0, 0]


def test_door_opener_is_the_first_buyer_of_a_market_with_followers():
    customers = CustomerAttributes(
        geo_market_id=[1, 1, 1, 2, -1, -1],
        industry_id=[-1, -1, -1, -1, 5, 5],
    )
    days = [[10], [20, 25], [30], [5], [40], [40]]
    f = features_for(days, customers=customers, as_of_day=100)
    assert f.door_opener.tolist() == [True, False, False, False, False, False]
    assert f.door_opener_followers[0] == 2
    # a market of one buyer has nobody following; tied first buyers have no later one


def test_door_opener_counts_only_buyers_as_of_the_day():
    customers = CustomerAttributes(geo_market_id=[1, 1])
    f = features_for([[10], [200]], customers=customers, as_of_day=100)
    assert not f.door_opener[0]


def test_spend_recent_and_previous():
    f = features_for([[1000, 636, 635, 271, 270]], as_of_day=1000)
    assert f.orders_recent[0] == 2  # ages 0 and 364
    assert f.spend_recent[0] == 20.0
    assert f.spend_previous[0] == 20.0  # ages 365 and 729; 730 is older


def test_events_after_as_of_are_left_out_and_counted():
    lines = LineEvents(order_index=[0, 1, 1], category_id=[1, 2, 3], spend=[1.0, 1.0, 1.0])
    interactions = InteractionEvents(customer_index=[0, 0], day=[50, 150], kind=[0, 0])
    f = features_for([[10, 150]], lines=lines, interactions=interactions, as_of_day=100)
    assert f.order_count[0] == 1 and f.categories_count[0] == 1 and f.visit_count[0] == 1
    assert f.events_after_as_of["orders"] == 1
    assert f.events_after_as_of["lines"] == 2
    assert f.events_after_as_of["interactions"] == 1


def test_as_of_defaults_to_the_latest_event_day():
    surveys = SurveyEvents(customer_index=[0], answered_day=[77], nps=[5])
    f = customer_features(
        customers=CustomerAttributes.blank(1), orders=orders_on([[10, 50]]), surveys=surveys
    )
    assert f.as_of_day == 77
    assert f.days_since_last_order[0] == 27


def test_datetime64_days_are_accepted():
    days = np.array(["2024-01-01", "2024-01-31"], dtype="datetime64[D]")
    orders = OrderEvents(customer_index=[0, 0], ordered_day=days, amount=[1.0, 1.0])
    f = customer_features(customers=CustomerAttributes.blank(1), orders=orders)
    assert f.gap_median_days[0] == 30


def test_zero_customers():
    f = customer_features(customers=CustomerAttributes.blank(0), orders=OrderEvents.empty())
    assert f.n_customers == 0 and f.order_count.shape == (0,)


def test_customers_without_orders_have_undefined_order_features():
    f = features_for([[], []])
    assert f.order_count.tolist() == [0, 0]
    for name in ("first_order_day", "gap_median_days", "gap_cv", "discount_share"):
        assert np.isnan(getattr(f, name)).all(), name
    assert not f.lapse_in_history.any()


def test_an_event_pointing_at_a_missing_customer_is_an_error():
    orders = OrderEvents(customer_index=[3], ordered_day=[1], amount=[1.0])
    with pytest.raises(ValueError, match="orders.customer_index"):
        customer_features(customers=CustomerAttributes.blank(2), orders=orders)


def test_misaligned_columns_are_an_error():
    with pytest.raises(ValueError, match="amount"):
        OrderEvents(customer_index=[0, 1], ordered_day=[1, 2], amount=[1.0])


def reference_gaps(days):
    """Plain-Python gaps of one customer's order days, to check the vectorised code against."""
    distinct = sorted(set(days))
    return [b - a for a, b in zip(distinct, distinct[1:])]


order_lists = st.lists(st.lists(st.integers(0, 400), max_size=8), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(order_lists)
def test_gap_features_match_a_plain_python_reference(days_by_customer):
    f = features_for(days_by_customer)
    for customer, days in enumerate(days_by_customer):
        gaps = reference_gaps(days)
        assert f.order_count[customer] == len(days)
        assert f.gap_count[customer] == len(gaps)
        if gaps:
            assert f.gap_median_days[customer] == pytest.approx(float(np.median(gaps)))
            assert f.gap_max_days[customer] == max(gaps)
        else:
            assert np.isnan(f.gap_median_days[customer])
        if len(gaps) >= 2:
            assert f.gap_cv[customer] == pytest.approx(np.std(gaps) / np.mean(gaps))


@settings(max_examples=40, deadline=None)
@given(order_lists, st.randoms(use_true_random=False))
def test_features_do_not_depend_on_the_order_of_event_rows(days_by_customer, random):
    orders = orders_on(days_by_customer)
    n_orders = len(orders)
    lines = LineEvents(
        order_index=np.arange(n_orders),
        category_id=np.arange(n_orders) % 3,
        spend=np.ones(n_orders),
    )
    shuffle = list(range(n_orders))
    random.shuffle(shuffle)
    shuffle = np.asarray(shuffle, dtype=int)
    inverse = np.argsort(shuffle)
    shuffled_orders = OrderEvents(
        customer_index=orders.customer_index[shuffle],
        ordered_day=orders.ordered_day[shuffle],
        amount=orders.amount[shuffle],
    )
    shuffled_lines = LineEvents(
        order_index=inverse[lines.order_index], category_id=lines.category_id, spend=lines.spend
    )
    customers = CustomerAttributes.blank(len(days_by_customer))
    a = customer_features(customers=customers, orders=orders, lines=lines, as_of_day=500)
    b = customer_features(
        customers=customers, orders=shuffled_orders, lines=shuffled_lines, as_of_day=500
    )
    for name in a.row(0) if a.n_customers else []:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
