"""Relationship strategy (SPEC §1.5): each rule, first rule wins, reasons and actions."""

import numpy as np
import pytest
from rules_factories import buyer, make_features

from daur.analytics.lifecycle import lifecycle_stage
from daur.analytics.rules_config import RulesConfig
from daur.analytics.strategy import ACTIONS, STRATEGIES, relationship_strategy


def strategies(features, p_alive, clv_12m=None, config=None):
    p_alive = np.asarray(p_alive, dtype=float)
    stage = lifecycle_stage(features, p_alive, config)
    return relationship_strategy(features, stage, p_alive, clv_12m, None, config)


def spend_ladder(n=8, **columns):
    """n buyers with spend 100, 200, ...: the top 25 % are the last n/4."""
    return buyer(n=n, spend_total=np.arange(1, n + 1) * 100.0, **columns)


def test_lapsed_top_spenders_are_regained_the_others_ended():
    f = spend_ladder(days_since_last_order=200.0)  # all lapsed
    result = strategies(f, np.full(8, 0.3))
    assert result.names().tolist() == ["end"] * 6 + ["regain"] * 2
    texts = [e.text for e in result.evidence(7)]
    assert texts[0] == "Stage lapsed"
    assert "Past spend 800.00 in the top 25% of buyers (at least 700.00)" in texts
    assert result.actions(7) == ACTIONS["regain"]


def test_lost_customers_are_regained_or_ended_too():
    f = spend_ladder(n=4, days_since_last_order=400.0)
    assert strategies(f, np.full(4, 0.05)).names().tolist() == ["end"] * 3 + ["regain"]


@pytest.mark.parametrize(("p_alive", "expected"), [(0.69, "protect"), (0.7, "enhance")])
def test_top_value_at_risk_is_protected(p_alive, expected):
    p = np.full(8, 0.9)
    p[7] = p_alive
    assert strategies(spend_ladder(), p).names()[7] == expected


def test_a_recent_complaint_or_a_detractor_puts_top_value_at_risk():
    f = spend_ladder(
        days_since_last_complaint=[np.nan] * 6 + [90.0, 91.0],
        latest_nps=[np.nan] * 7 + [6.0],
        categories_count=3,
    )
    result = strategies(f, np.full(8, 0.9))
    assert result.names().tolist()[6:] == ["protect", "protect"]
    assert "At risk: a complaint 90 days ago (within 90 days)" in [
        e.text for e in result.evidence(6)
    ]
    assert "At risk: latest NPS 6 (at most 6)" in [e.text for e in result.evidence(7)]


def test_top_clv_counts_as_top_value():
    clv = np.array([1000.0, 1, 1, 1, 1, 1, 1, 1])
    result = strategies(spend_ladder(), np.full(8, 0.6), clv_12m=clv)
    assert result.names()[0] == "protect"
    assert result.evidence(0)[0].code == "value_top_clv"


@pytest.mark.parametrize(("score", "expected"), [(0.49, ""), (0.5, "start"), (np.nan, "")])
def test_prospects_with_a_high_lead_score_are_started(score, expected):
    f = make_features(lead_score=score, inbound_interactions=1)
    result = strategies(f, [np.nan])
    assert result.names().tolist() == [expected]
    if not expected:
        assert result.evidence(0)[0].code == "prospect_below_start"
        assert "prospect below the start threshold" in result.evidence(0)[0].text


@pytest.mark.parametrize(
    ("categories", "standard", "expected"),
    # Without a gap no rule fires; the four tie on spend, all top value: protect by the fallback.
    [(2, 0.0, "enhance"), (3, 0.5, "enhance"), (3, 0.49, "protect")],
)
def test_active_customers_with_a_cross_sell_gap_are_enhanced(categories, standard, expected):
    f = buyer(n=4, categories_count=categories, standard_share=standard)
    result = strategies(f, np.full(4, 0.8))
    assert result.strategy_of(0) == expected


def test_enhance_needs_p_alive_0_7():
    f = buyer(n=4, categories_count=1, spend_total=[100.0, 200.0, 300.0, 400.0])
    result = strategies(f, [0.69, 0.7, 0.8, 0.8])
    # Below 0.7 no rule fires; outside the top 25 % by spend the fallback is harvest.
    assert result.names().tolist()[:2] == ["harvest", "enhance"]
    assert result.fallback.tolist()[:2] == [True, False]


def test_re_engineer_when_margin_is_below_cost_to_serve():
    config = RulesConfig.from_mapping({"strategy": {"cost_per_order": 10.0}})
    f = buyer(n=4, orders=3, orders_recent=3, categories_count=5)  # cost 30 a year
    result = strategies(f, np.full(4, 0.9), clv_12m=np.array([29.0, 31, 31, 31]), config=config)
    assert result.strategy_of(0) == "re_engineer"
    assert result.measures["cost_to_serve_12m"][0] == pytest.approx(30.0)
    assert "Expected 12-month margin 29.00 below the cost to serve 30.00" in [
        e.text for e in result.evidence(0)
    ]


def test_re_engineer_on_many_tickets_and_tiny_orders():
    f = buyer(
        n=4,
        categories_count=5,
        tickets_per_order=[1.0, 0.9, 1.0, 0.0],
        avg_order_value=[10.0, 10.0, 50.0, 100.0],
    )
    names = strategies(f, np.full(4, 0.9)).names().tolist()
    # The other two fire no rule and tie for the top spend: protect by the fallback.
    assert names[:3] == ["re_engineer", "protect", "protect"]


def test_harvest_active_positive_margin_flat_spend():
    f = buyer(
        n=4,
        categories_count=5,
        spend_recent=[100.0, 100.0, 200.0, 200.0],
        spend_previous=[100.0, 101.0, 100.0, 100.0],
    )
    clv = np.array([50.0, 50.0, 500.0, 10.0])  # median 50: the last one is low CLV
    result = strategies(f, np.full(4, 0.9), clv_12m=clv)
    # The third grows, so harvest does not fire; tied top spend: protect by the fallback.
    assert result.names().tolist() == ["harvest", "harvest", "protect", "harvest"]
    codes = [e.code for e in result.evidence(0)]
    assert codes == ["active", "positive_margin", "low_growth_spend"]
    assert [e.code for e in result.evidence(3)][-1] == "low_growth_clv"


def test_first_rule_wins_and_the_others_are_still_visible():
    config = RulesConfig.from_mapping({"strategy": {"cost_per_order": 100.0}})
    f = buyer(n=4, categories_count=1)  # enhance gap, and margin below cost
    result = strategies(f, np.full(4, 0.9), clv_12m=np.full(4, 1.0), config=config)
    assert result.fired["enhance"][0] and result.fired["re_engineer"][0]
    assert result.strategy_of(0) == "enhance"


def test_every_strategy_has_actions_and_reasons_render():
    assert set(ACTIONS) == set(STRATEGIES)
    f = spend_ladder(days_since_last_order=[10.0] * 4 + [200.0] * 4, categories_count=1)
    result = strategies(f, np.full(8, 0.8))
    for index in range(8):
        for reason in result.evidence(index):
            assert reason.text


def test_empty_base():
    f = make_features(n=0)
    assert strategies(f, np.zeros(0)).strategy.shape == (0,)


def test_every_buyer_gets_one_strategy_with_reasons_that_hold():
    # Active buyers with no risk, no gap and growing spend: no rule of the table fires.
    f = spend_ladder(
        categories_count=5,
        spend_recent=[200.0] * 8,
        spend_previous=[100.0] * 8,
        days_since_last_order=[10.0] * 6 + [200.0] * 2,
    )
    p_alive = np.array([0.9, 0.9, 0.9, 0.9, 0.9, 0.6, 0.3, 0.3])
    result = strategies(f, p_alive, clv_12m=np.arange(1.0, 9.0))
    names = result.names().tolist()
    assert "" not in names
    # Top 25 % by spend: the last two (lapsed: regain); no other customer is top value.
    assert names == ["harvest"] * 6 + ["regain"] * 2
    # The first four are harvested by the rule (CLV below the median); the next two fire no rule
    # (CLV at or above the median, spend growing; the sixth is not active at P(alive) 0.6).
    assert result.fallback.tolist() == [False] * 4 + [True] * 2 + [False] * 2
    texts = [e.text for e in result.evidence(5)]
    assert texts[0] == "Stage retention"
    assert "outside the top 25% of buyers" in texts[-1]
    # None of the fallback reasons claims activity the customer does not show.
    assert all(e.code != "active" for e in result.evidence(5))


def test_an_active_top_value_customer_without_a_rule_is_protected_to_keep_what_works():
    f = spend_ladder(categories_count=5, spend_recent=[200.0] * 8, spend_previous=[100.0] * 8)
    result = strategies(f, np.full(8, 0.9), clv_12m=np.arange(1.0, 9.0))
    assert result.names().tolist() == ["harvest"] * 6 + ["protect"] * 2
    codes = [e.code for e in result.evidence(7)]
    assert codes == ["stage_active", "past_value_top", "value_top_clv", "keep_what_works"]
