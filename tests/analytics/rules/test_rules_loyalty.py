"""Loyalty (SPEC §1.4): four characteristics at their thresholds, the score and `loyal`."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_factories import buyer, make_features

from daur.analytics.loyalty import loyalty_score
from daur.analytics.rules_config import RulesConfig


@pytest.mark.parametrize(("orders", "repeat"), [(2, False), (3, True), (4, True)])
def test_repeat_purchase_is_more_than_two_orders(orders, repeat):
    assert loyalty_score(buyer(orders=orders)).repeat_purchase[0] == repeat


@pytest.mark.parametrize(("categories", "multi"), [(1, False), (2, True)])
def test_buys_outside_one_product_line(categories, multi):
    assert loyalty_score(buyer(categories_count=categories)).multi_category[0] == multi


@pytest.mark.parametrize(
    ("referrals", "nps", "recommends"),
    [(0, np.nan, False), (1, np.nan, True), (0, 8, False), (0, 9, True), (0, 10, True)],
)
def test_recommends_by_referral_or_promoter_nps(referrals, nps, recommends):
    f = buyer(referrals_count=referrals, latest_nps=nps)
    assert loyalty_score(f).recommends[0] == recommends


@pytest.mark.parametrize(("share", "resists"), [(0.49, True), (0.5, False), (0.51, False)])
def test_resists_competitors_needs_discount_share_below_half(share, resists):
    assert loyalty_score(buyer(discount_share=share)).resists_competitors[0] == resists


def test_a_lapse_in_history_breaks_resistance():
    f = buyer(n=2, lapse_in_history=[False, True])
    assert loyalty_score(f).resists_competitors.tolist() == [True, False]


def test_score_counts_the_characteristics_and_loyal_needs_three_and_p_alive():
    f = buyer(
        n=4,
        orders=3,
        categories_count=[2, 2, 1, 2],
        referrals_count=[1, 0, 0, 1],
        discount_share=[0.0, 0.0, 0.0, 0.0],
    )
    result = loyalty_score(f, p_alive=np.array([0.9, 0.9, 0.9, 0.49]))
    assert result.score.tolist() == [4, 3, 2, 4]
    assert result.loyal.tolist() == [True, True, False, False]


@pytest.mark.parametrize(("p_alive", "loyal"), [(0.49, False), (0.5, True), (np.nan, True)])
def test_loyal_p_alive_threshold_and_unscored_p_alive(p_alive, loyal):
    f = buyer(categories_count=2)  # repeat + multi + resists = 3
    assert loyalty_score(f, p_alive=np.array([p_alive])).loyal[0] == loyal


def test_config_overrides_the_loyalty_thresholds():
    config = RulesConfig.from_mapping({"loyalty": {"repeat_min_orders": 5, "loyal_min_score": 4}})
    result = loyalty_score(buyer(orders=4, categories_count=2, referrals_count=1), config=config)
    assert not result.repeat_purchase[0]
    assert result.score[0] == 3 and not result.loyal[0]


def test_evidence_names_each_characteristic_with_its_numbers():
    f = buyer(orders=5, categories_count=4, latest_nps=10, discount_share=0.2)
    result = loyalty_score(f, p_alive=np.array([0.8]))
    texts = [e.text for e in result.evidence(0)]
    assert "5 orders (at least 3)" in texts
    assert "Bought in 4 categories (at least 2)" in texts
    assert "Latest NPS 10 is a promoter's (at least 9)" in texts
    assert any("20% of orders on discount" in text and "90 days" in text for text in texts)
    assert [e.code for e in result.loyal_evidence(0)] == ["loyal", "repeat_purchase"]
    assert "P(alive) 0.80" in result.loyal_evidence(0)[0].text
    assert result.loyal_evidence(0)[1].text == "5 orders (at least 3)"


def test_loyal_needs_a_repeat_purchase_whatever_the_other_characteristics():
    # Two orders in two categories, a promoter, no lapse: three of four, but not loyal.
    f = buyer(orders=2, categories_count=2, latest_nps=10, discount_share=0.0)
    result = loyalty_score(f, p_alive=np.array([0.9]))
    assert result.score[0] == 3 and not result.repeat_purchase[0]
    assert not result.loyal[0] and result.loyal_evidence(0) == ()


def test_a_customer_without_orders_scores_only_recommendation():
    f = make_features(referrals_count=3, latest_nps=10, categories_count=0)
    result = loyalty_score(f, p_alive=np.array([1.0]))
    assert result.score[0] == 1 and not result.loyal[0]


features_rows = st.fixed_dictionaries(
    {
        "order_count": st.integers(0, 6),
        "categories_count": st.integers(0, 4),
        "referrals_count": st.integers(0, 2),
        "latest_nps": st.one_of(st.just(np.nan), st.integers(0, 10).map(float)),
        "discount_share": st.floats(0, 1),
        "lapse_in_history": st.booleans(),
        "p_alive": st.one_of(st.just(np.nan), st.floats(0, 1)),
    }
)


@settings(max_examples=100, deadline=None)
@given(st.lists(features_rows, min_size=1, max_size=10))
def test_score_is_in_0_to_4_and_the_sum_of_its_characteristics(rows):
    columns = {key: [row[key] for row in rows] for key in rows[0] if key != "p_alive"}
    columns["discount_share"] = [
        share if count else np.nan
        for share, count in zip(columns["discount_share"], columns["order_count"])
    ]
    columns["categories_count"] = [
        categories if count else 0
        for categories, count in zip(columns["categories_count"], columns["order_count"])
    ]
    f = make_features(n=len(rows), **columns)
    result = loyalty_score(f, p_alive=np.array([row["p_alive"] for row in rows]))
    total = (
        result.repeat_purchase.astype(int)
        + result.multi_category
        + result.recommends
        + result.resists_competitors
    )
    assert ((result.score >= 0) & (result.score <= 4)).all()
    assert (result.score == total).all()
    no_orders = f.order_count == 0
    assert not (result.loyal & no_orders).any()
    assert not (result.loyal & ~result.repeat_purchase).any()
    assert not (result.resists_competitors & no_orders).any()
