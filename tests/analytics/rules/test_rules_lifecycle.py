"""Life-cycle stages (SPEC §1.2) at their thresholds, precedence, reasons and regained events."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_factories import buyer, make_features

from daur.analytics.lifecycle import LIFECYCLE_STAGES, lifecycle_stage, stage_transitions
from daur.analytics.rules_config import RulesConfig


def stage_of(features, p_alive=np.nan, config=None):
    result = lifecycle_stage(features, np.full(features.n_customers, p_alive), config)
    return result.stage_of(0)


@pytest.mark.parametrize(("days", "stage"), [(364, "lapsed"), (365, "lost"), (366, "lost")])
def test_lost_after_365_days_without_order(days, stage):
    assert stage_of(buyer(days_since_last_order=days)) == stage


@pytest.mark.parametrize(("p_alive", "stage"), [(0.09, "lost"), (0.1, "lapsed"), (0.49, "lapsed")])
def test_lost_below_p_alive_0_1(p_alive, stage):
    assert stage_of(buyer(), p_alive=p_alive) == stage


@pytest.mark.parametrize(("days", "stage"), [(89, "retention"), (90, "retention"), (91, "lapsed")])
def test_lapsed_after_more_than_90_days(days, stage):
    assert stage_of(buyer(days_since_last_order=days)) == stage


@pytest.mark.parametrize(("days", "stage"), [(120, "retention"), (121, "lapsed")])
def test_lapse_threshold_is_three_median_gaps_when_longer(days, stage):
    assert stage_of(buyer(days_since_last_order=days, gap_median_days=40.0)) == stage


@pytest.mark.parametrize(("p_alive", "stage"), [(0.49, "lapsed"), (0.5, "retention")])
def test_lapsed_below_p_alive_0_5(p_alive, stage):
    assert stage_of(buyer(), p_alive=p_alive) == stage


def test_lost_is_tested_before_lapsed_and_keeps_both_reasons():
    f = buyer(days_since_last_order=400)
    result = lifecycle_stage(f, np.array([0.05]))
    assert result.stage_of(0) == "lost"
    codes = [e.code for e in result.evidence(0)]
    assert codes == ["p_alive_below", "lost_recency"]
    assert "No order for 400 days (at least 365)" in [e.text for e in result.evidence(0)]


def test_lapsed_reason_names_the_threshold():
    result = lifecycle_stage(buyer(days_since_last_order=130, gap_median_days=40.0))
    (reason,) = result.evidence(0)
    assert reason.code == "lapsed_recency"
    assert "130 days" in reason.text and "120 days" in reason.text


def test_one_order_is_conversion_two_are_retention():
    f = buyer(n=2, orders=[1, 2])
    assert lifecycle_stage(f, np.array([0.9, 0.9])).names().tolist() == ["conversion", "retention"]


def test_a_single_order_lapses_too():
    assert stage_of(buyer(orders=1, days_since_last_order=91)) == "lapsed"


def loyal_buyer(**columns):
    defaults = {"orders": 4, "categories_count": 3}  # repeat, multi-category, resists: score 3
    return buyer(**(defaults | columns))


@pytest.mark.parametrize(
    ("columns", "stage"),
    [
        ({"converted_referrals": 1, "referrals_count": 1}, "inspiration"),
        ({"latest_nps": 9.0}, "inspiration"),
        ({"latest_nps": 8.0}, "retention"),
        ({"referrals_count": 1}, "retention"),  # referred, but nobody ordered yet
        ({"latest_nps": 10.0, "categories_count": 1}, "inspiration"),  # promoter -> score 3
        ({"latest_nps": 10.0, "categories_count": 1, "discount_share": 0.5}, "retention"),
    ],
)
def test_inspiration_is_retention_loyal_and_advocate(columns, stage):
    assert stage_of(loyal_buyer(**columns), p_alive=0.8) == stage


def test_inspiration_evidence():
    result = lifecycle_stage(loyal_buyer(converted_referrals=2), np.array([0.8]))
    texts = [e.text for e in result.evidence(0)]
    assert "Advocate: 2 referred customers have ordered" in texts
    assert "Loyal: loyalty score 3 of 4" in texts


def test_prospects_are_reaching_or_acquisition():
    f = make_features(n=3, inbound_interactions=[0, 2, 0], qualified_lead=[False, False, True])
    result = lifecycle_stage(f, np.array([0.01, 0.01, 0.01]))  # P(alive) means nothing here
    assert result.names().tolist() == ["reaching", "acquisition", "acquisition"]
    assert result.evidence(1)[0].text.startswith("2 inbound interactions")
    assert result.evidence(2)[0].code == "acquisition_lead"


def test_thresholds_come_from_the_config():
    config = RulesConfig.from_mapping({"lifecycle": {"lost_days": 200, "lapse_min_days": 30}})
    assert stage_of(buyer(days_since_last_order=200), config=config) == "lost"
    assert stage_of(buyer(days_since_last_order=31), config=config) == "lapsed"


def test_zero_customers():
    result = lifecycle_stage(make_features(n=0))
    assert result.stage.shape == (0,)


def test_stage_transitions_flag_regained():
    previous = ["lapsed", "lost", "lapsed", "retention", "retention", None]
    new = ["retention", "conversion", "lost", "lapsed", "retention", "conversion"]
    moves = stage_transitions(previous, new)
    assert moves.regained.tolist() == [True, True, False, False, False, False]
    assert moves.changed.tolist() == [True, True, True, True, False, True]


def test_stage_transitions_of_one_customer_and_unknown_stage():
    assert stage_transitions("lost", "inspiration").regained.tolist() == [True]
    with pytest.raises(ValueError, match="lapsd"):
        stage_transitions("lapsd", "retention")


rows = st.fixed_dictionaries(
    {
        "order_count": st.integers(0, 5),
        "days_since_last_order": st.floats(0, 800),
        "gap_median_days": st.one_of(st.just(np.nan), st.floats(1, 200)),
        "inbound_interactions": st.integers(0, 2),
        "qualified_lead": st.booleans(),
        "latest_nps": st.one_of(st.just(np.nan), st.integers(0, 10).map(float)),
        "converted_referrals": st.integers(0, 2),
        "categories_count": st.integers(0, 3),
        "p_alive": st.one_of(st.just(np.nan), st.floats(0, 1)),
    }
)


@settings(max_examples=100, deadline=None)
@given(st.lists(rows, min_size=1, max_size=12))
def test_stages_are_exhaustive_and_follow_the_order_count(rows):
    columns = {key: [row[key] for row in rows] for key in rows[0] if key != "p_alive"}
    columns["days_since_last_order"] = [
        days if count else np.nan
        for days, count in zip(columns["days_since_last_order"], columns["order_count"])
    ]
    columns["discount_share"] = [0.0 if count else np.nan for count in columns["order_count"]]
    f = make_features(n=len(rows), **columns)
    p_alive = np.array([row["p_alive"] for row in rows])
    result = lifecycle_stage(f, p_alive)
    names = result.names()
    assert set(names) <= set(LIFECYCLE_STAGES)
    ordered = f.order_count > 0
    assert np.isin(names[~ordered], ["reaching", "acquisition"]).all()
    assert not np.isin(names[ordered], ["reaching", "acquisition"]).any()
    assert (names[f.order_count == 1] != "retention").all()
    assert np.isin(
        names[(f.order_count >= 2) & ~np.isin(names, ["lapsed", "lost"])],
        ["retention", "inspiration"],
    ).all()
    assert (names[ordered & (f.days_since_last_order >= 365)] == "lost").all()
    for index in range(len(rows)):
        assert result.evidence(index), "every stage carries at least one reason"
