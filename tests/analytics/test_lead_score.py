"""The lead score against a planted truth, its prior fallback, its factors and bad inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import expit

from daur.analytics.lead_features import LeadFeatures
from daur.analytics.lead_score import LeadModel, factors_text
from daur.analytics.lead_score_learn import (
    auc,
    brier_score,
    calibration_error,
    lead_model_learn,
    prior_model,
)
from daur.analytics.lead_score_simulation import (
    INDUSTRY_EFFECT,
    KINDS,
    NO_RESPONSE_EFFECT,
    RESPONSE_SLOPE,
    SLOPE,
    SOURCE_EFFECT,
    simulate_leads,
)
from daur.analytics.rules_config import LeadScoreRules


@pytest.fixture(scope="module")
def history():
    return simulate_leads(30_000, seed=11)


@pytest.fixture(scope="module")
def learned(history):
    return lead_model_learn(history.features, history.won)


def _raw_numeric(model: LeadModel) -> np.ndarray:
    """The slopes on the unstandardised columns."""
    n_levels = sum(len(levels) for levels in model.levels.values())
    return model.coef[n_levels:] / model.numeric_scale


def _level_coef(model: LeadModel, name: str) -> dict[str, float]:
    start = 0
    for categorical, levels in model.levels.items():
        if categorical == name:
            return dict(zip(levels, model.coef[start : start + len(levels)], strict=True))
        start += len(levels)
    raise KeyError(name)


def test_recovers_the_planted_truth(history, learned):
    assert learned.basis == "model"
    slopes = _raw_numeric(learned)
    for k, kind in enumerate(KINDS):
        assert np.sign(slopes[k]) == np.sign(SLOPE[kind])
        assert slopes[k] == pytest.approx(SLOPE[kind], abs=0.15)
    assert slopes[len(KINDS)] == pytest.approx(-NO_RESPONSE_EFFECT, abs=0.3)  # answered
    assert slopes[len(KINDS) + 1] == pytest.approx(RESPONSE_SLOPE, abs=0.1)
    assert abs(slopes[len(KINDS) + 2]) < 0.1  # age carries no truth
    source = _level_coef(learned, "source")
    truth_order = sorted(SOURCE_EFFECT, key=SOURCE_EFFECT.get)
    learned_order = sorted(source, key=source.get)
    assert learned_order == truth_order
    gap = source["referral"] - source["advertising"]
    assert gap == pytest.approx(SOURCE_EFFECT["referral"] - SOURCE_EFFECT["advertising"], abs=0.3)
    industry = _level_coef(learned, "industry")
    assert industry["retail"] > industry["hospitality"]
    assert INDUSTRY_EFFECT["retail"] > INDUSTRY_EFFECT["hospitality"]


def test_calibrated_on_fresh_leads_from_the_same_truth(learned):
    fresh = simulate_leads(20_000, seed=99)
    p = learned.score(fresh.features).probability
    assert calibration_error(p, fresh.won) < 0.03
    # As good as knowing the truth, within a little.
    assert auc(p, fresh.won) > auc(fresh.true_probability, fresh.won) - 0.01
    assert brier_score(p, fresh.won) < brier_score(fresh.true_probability, fresh.won) + 0.003
    assert np.abs(p - fresh.true_probability).mean() < 0.03


def test_quality_reported_on_the_held_out_split(learned):
    q = learned.quality
    assert q["n_folds"] == 4  # holdout_share 0.25: every lead held out once
    assert q["n_checked"] == q["n_won"] + q["n_lost"] == 30_000
    assert q["holdout"]["auc"] > q["prior_holdout"]["auc"]
    assert q["calibration"] in ("none", "platt")


def test_thin_history_falls_back_to_the_beta_smoothed_channel_rate():
    sim = simulate_leads(400, seed=3)
    rules = LeadScoreRules(min_outcomes=1000, prior_strength=10.0)
    model = lead_model_learn(sim.features, sim.won, rules)
    assert model.basis == "prior"
    assert "Thin history" in model.reason
    overall = sim.won.mean()
    referral = sim.features.source == "referral"
    expected = (sim.won[referral].sum() + 10.0 * overall) / (referral.sum() + 10.0)
    scored = model.score(sim.features.take(np.flatnonzero(referral)[:1]))
    assert scored.probability[0] == pytest.approx(expected)
    assert scored.basis == "prior"
    # A channel never seen gets the overall rate.
    new = LeadFeatures.build(source=["lottery"], activity_kinds=KINDS, activity_counts=[[9, 9, 9]])
    assert model.score(new).probability[0] == pytest.approx(overall)


@pytest.mark.parametrize("outcome", [True, False])
def test_one_class_only_is_thin(outcome):
    sim = simulate_leads(500, seed=5)
    model = lead_model_learn(sim.features, np.full(500, outcome))
    assert model.basis == "prior"
    p = model.score(sim.features).probability
    assert np.isfinite(p).all() and ((p > 0) & (p < 1)).all()


def test_no_history_at_all_uses_the_default_rate():
    empty = LeadFeatures.build(source=[], activity_kinds=KINDS, activity_counts=np.zeros((0, 3)))
    model = prior_model(empty, np.zeros(0, bool), LeadScoreRules(default_win_rate=0.3))
    one = LeadFeatures.build(source=["website"], activity_kinds=KINDS, activity_counts=[[1, 0, 0]])
    assert model.score(one).probability[0] == pytest.approx(0.3)


def test_factors_add_up_to_the_logit_and_the_probability(history, learned):
    leads = history.features.take(np.arange(300))
    scores = learned.score(leads, factors_shown=20)
    assert np.allclose(scores.base_logit + scores.contributions.sum(axis=1), scores.logit)
    points = scores.points()
    assert np.allclose(points.sum(axis=1), scores.probability - expit(scores.base_logit))
    moved = np.abs(scores.contributions) > 1e-12
    assert (np.sign(points[moved]) == np.sign(scores.contributions[moved])).all()
    factors = scores.factors(0)
    sizes = [abs(f.points) for f in factors]
    assert sizes == sorted(sizes, reverse=True)
    text = factors_text(factors)
    assert text.count(";") == len(factors) - 1
    name, _, value = text.split(";")[0].partition(":")
    assert name == factors[0].name and value[0] in "+-"


def test_round_trip_through_json(history, learned):
    again = LeadModel.from_mapping(json.loads(json.dumps(learned.as_mapping())))
    leads = history.features.take(np.arange(50))
    assert np.allclose(again.score(leads).probability, learned.score(leads).probability)


def test_hostile_and_missing_features_score_finitely(learned):
    leads = LeadFeatures.build(
        source=[None, "REFERRAL ", "nowhere", float("nan"), ""],
        campaign=[None, "c1", "x" * 500, "", "c2"],
        industry=["retail", None, "", "?", "manufacturing"],
        country=None,
        activity_kinds=KINDS,
        activity_counts=[[1, 2, 3], [-5, "many", None], [np.inf, 0, 1], [np.nan] * 3, [1e12] * 3],
        first_response_hours=["soon", -3, None, np.inf, 1e9],
        age_days=[-10, None, "old", 5, 1e12],
    )
    scores = learned.score(leads)
    assert np.isfinite(scores.probability).all()
    assert scores.factors(1)[0].name in {"source", *learned.groups()[1]}
    assert leads.source[1] == "referral"
    assert {f.name: f.value for f in scores.factors(2)}.get("source", "other") == "other"
    assert scores._values("source", np.array([1, 2])) == ["referral", "other"]
    assert leads.first_response_hours[1] == 0.0  # answered "before" it came in: at once
    with pytest.raises(ValueError):
        LeadFeatures.build(source=["a"], activity_kinds=KINDS, activity_counts=[[1, 2]])


def test_a_large_history_is_checked_on_one_hold_out(monkeypatch):
    from daur.analytics import lead_score_learn

    monkeypatch.setattr(lead_score_learn, "REFIT_MAX_CLOSED", 1000)
    sim = simulate_leads(4000, seed=8)
    q = lead_model_learn(sim.features, sim.won).quality
    assert q["n_folds"] == 1
    assert q["n_checked"] == pytest.approx(1000, abs=2)


def test_platt_recalibration_keeps_the_factors_exact(history):
    rules = LeadScoreRules(max_calibration_error=-1.0)  # always try to recalibrate
    model = lead_model_learn(history.features, history.won, rules)
    scores = model.score(history.features.take(np.arange(100)))
    assert np.allclose(scores.base_logit + scores.contributions.sum(axis=1), scores.logit)
    assert model.quality["calibration"] in ("none", "platt")
