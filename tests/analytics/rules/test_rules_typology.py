"""Customer types (SPEC §1.3) and orientation at their thresholds, with evidence."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_factories import buyer, make_features

from daur.analytics.orientation import orientation
from daur.analytics.rules_config import RulesConfig
from daur.analytics.typology import TYPE_LABELS, customer_types


def has(label, features, p_alive=None, clv_12m=None, config=None):
    return customer_types(features, p_alive, clv_12m, config).labels[label].tolist()


@pytest.mark.parametrize(("share", "expected"), [(0.59, False), (0.60, True), (0.61, True)])
def test_discount_share_threshold(share, expected):
    assert has("discount", buyer(orders=5, discount_share=share)) == [expected]


def test_discount_needs_two_orders_and_exact_three_of_five_is_sixty_percent():
    f = buyer(n=2, orders=[1, 5], discount_share=[1.0, 3 / 5], discounted_order_count=[1, 3])
    types = customer_types(f)
    assert types.labels["discount"].tolist() == [False, True]
    (reason,) = types.evidence(1)["discount"]
    assert reason.text == "3 of 5 orders used a discount or coupon (60%, at least 60%)"


@pytest.mark.parametrize(
    ("orders", "unplanned", "cv", "expected"),
    [
        (3, 0.6, 1.0, True),
        (2, 0.6, 1.0, False),
        (3, 0.59, 1.0, False),
        (3, 0.6, 0.99, False),
        (3, 1.0, 1.5, True),
        (3, 1.0, np.nan, False),
    ],
)
def test_impulsive(orders, unplanned, cv, expected):
    f = buyer(orders=orders, unplanned_order_share=unplanned, gap_cv=cv)
    assert has("impulsive", f) == [expected]


@pytest.mark.parametrize(
    ("cv", "categories", "discount", "expected"),
    [
        (0.49, 2, 0.0, True),
        (0.5, 2, 0.0, True),
        (0.51, 2, 0.0, False),
        (0.3, 3, 0.0, False),
        (0.3, 1, 0.29, True),
        (0.3, 1, 0.30, False),
    ],
)
def test_need_oriented(cv, categories, discount, expected):
    f = buyer(orders=4, gap_cv=cv, categories_count=categories, discount_share=discount)
    assert has("need_oriented", f) == [expected]


def test_wanderer_looks_without_buying():
    prospects = make_features(n=2, visits_inquiries=[2, 3], visit_count=[2, 3])
    assert has("wanderer", prospects) == [False, True]
    buyers = buyer(n=2, orders=2, visit_count=[9, 10], visits_inquiries=[9, 10])
    assert has("wanderer", buyers) == [False, True]  # 4.5 vs 5 visits per order


def test_high_volume_is_the_top_tenth_of_buyers_by_units():
    units = np.arange(1.0, 21.0)  # 20 buyers: the top 10 % are the two largest
    f = buyer(n=21, units_total=np.append(units, np.nan), order_count=[1] * 20 + [0])
    types = customer_types(f)
    assert np.flatnonzero(types.labels["high_volume"]).tolist() == [18, 19]
    assert types.cuts["high_volume_units"] == 19.0
    assert "20 units, in the top 10% of buying customers (at least 19)" in [
        e.text for e in types.evidence(19)["high_volume"]
    ]


def test_ties_at_the_cut_are_all_in_and_zero_never_is():
    f = buyer(n=10, units_total=[5, 5, 5, 1, 1, 1, 1, 1, 1, 1])
    assert has("high_volume", f) == [True] * 3 + [False] * 7
    zeros = buyer(n=10, units_total=np.zeros(10))
    assert not any(has("high_volume", zeros))


def test_high_volume_ranks_by_spend_where_units_are_unknown():
    units = [np.nan] * 10 + list(range(1, 11))
    spend = list(range(10, 110, 10)) + [1000.0] * 10
    f = buyer(n=20, units_total=units, spend_total=spend)
    labels = has("high_volume", f)
    assert [i for i, flag in enumerate(labels) if flag] == [9, 19]


def test_high_future_value_among_buyers_only():
    clv = np.array([10.0, 20, 30, 40, 50, 60, 70, 80, 90, 100, 5000])
    f = buyer(n=11, order_count=[1] * 10 + [0])
    assert np.flatnonzero(has("high_future_value", f, clv_12m=clv)).tolist() == [9]


@pytest.mark.parametrize(("referrals", "expected"), [(1, False), (2, True)])
def test_benchmark(referrals, expected):
    assert has("benchmark", buyer(converted_referrals=referrals)) == [expected]


def test_inspiring_weighs_accepted_suggestions():
    f = buyer(n=3, suggestions=[0, 1, 1], accepted_suggestions=[0, 0, 1])
    assert has("inspiring", f) == [False, True, True]
    stricter = RulesConfig.from_mapping({"types": {"inspiring_min_score": 2}})
    assert has("inspiring", f, config=stricter) == [False, False, True]


@pytest.mark.parametrize(
    ("complaints", "nps", "expected"),
    [(1, np.nan, False), (2, np.nan, True), (1, 6.0, True), (1, 7.0, False), (0, 0.0, False)],
)
def test_difficult(complaints, nps, expected):
    assert has("difficult", buyer(complaints_recent=complaints, latest_nps=nps)) == [expected]


def test_sophisticated_needs_an_order_after_three_inquiries():
    f = make_features(
        n=3, order_count=[1, 1, 0], inquiries_before_first_order=[2, 3, 5], discount_share=0.0
    )
    assert has("sophisticated", f) == [False, True, False]


def test_affluent():
    n = 10
    aov = np.arange(1.0, 11.0) * 100  # the top 10 % is the last one
    f = buyer(
        n=n,
        avg_order_value=aov,
        discount_share=[0.0] * 9 + [0.10],
        premium_share=[1.0] * 9 + [0.5],
    )
    assert np.flatnonzero(has("affluent", f)).tolist() == [9]
    f2 = buyer(n=n, avg_order_value=aov, discount_share=[0.0] * 9 + [0.11], premium_share=1.0)
    assert not any(has("affluent", f2))


def test_door_opener_and_loyal_come_from_features_and_loyalty():
    f = buyer(
        n=2,
        door_opener=[True, False],
        door_opener_followers=[4, 0],
        categories_count=2,
        units_total=0.0,  # keeps high_volume out of the label list
    )
    types = customer_types(f, p_alive=np.array([0.9, 0.2]))
    assert types.labels["door_opener"].tolist() == [True, False]
    assert types.labels["loyal"].tolist() == [True, False]
    assert types.labels_of(0) == ("loyal", "door_opener")
    assert types.joined().tolist() == ["loyal;door_opener", ""]


def no_order_rows():
    return st.fixed_dictionaries(
        {
            "visits_inquiries": st.integers(0, 5),
            "referrals_count": st.integers(0, 3),
            "converted_referrals": st.integers(0, 3),
            "latest_nps": st.one_of(st.just(np.nan), st.integers(0, 10).map(float)),
            "inquiries_before_first_order": st.integers(0, 5),
            "complaints_recent": st.integers(0, 3),
        }
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(no_order_rows(), min_size=1, max_size=10), st.floats(0, 1))
def test_a_customer_without_orders_has_no_buying_label(rows, p_alive):
    columns = {key: [row[key] for row in rows] for key in rows[0]}
    f = make_features(n=len(rows), **columns)
    types = customer_types(f, np.full(len(rows), p_alive), np.full(len(rows), 100.0))
    buying = ("loyal", "discount", "impulsive", "need_oriented", "high_volume")
    buying += ("high_future_value", "sophisticated", "affluent")
    for label in buying:
        assert not types.labels[label].any(), label
    for index in range(len(rows)):
        for label, reasons in types.evidence(index).items():
            assert label in TYPE_LABELS and reasons


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"new_product_share": 0.5, "premium_share": 0.9}, "technology"),
        ({"new_product_share": 0.49, "premium_share": 0.5, "budget_share": 0.5}, "value"),
        ({"premium_share": 0.49, "budget_share": 0.5}, "cost"),
        ({"budget_share": 0.49, "discount_share": 0.6}, "cost"),
        ({"budget_share": 0.49, "discount_share": 0.59}, ""),
    ],
)
def test_orientation_order_technology_value_cost(columns, expected):
    base = {"new_product_share": 0.0, "premium_share": 0.0, "budget_share": 0.0}
    result = orientation(buyer(**(base | columns)))
    assert result.names().tolist() == [expected]
    assert bool(result.evidence(0)) == bool(expected)


def test_orientation_evidence_and_no_orders():
    result = orientation(buyer(new_product_share=0.75, premium_share=0.0, budget_share=0.0))
    (reason,) = result.evidence(0)
    assert reason.text == (
        "75% of spend on products launched within 180 days before the order (at least 50%)"
    )
    assert orientation(make_features(n=2)).names().tolist() == ["", ""]
