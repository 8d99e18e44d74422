"""Learning the lead score from the closed leads: the model, its check on a hold-out, the prior.

- Thin history (fewer than `min_outcomes` won, or lost, closed leads): the per-channel prior,
  a Beta-smoothed win rate per source, saying so.
- Otherwise an L2-regularised logistic regression is checked on closed leads it was not fitted
  on (Brier score, AUC, calibration error): up to REFIT_MAX_CLOSED closed leads, by stratified
  folds of `holdout_share` (every lead held out once), then refitted on them all; beyond, on one
  stratified hold-out, the model fitted on the rest being kept. When the calibration error
  exceeds `max_calibration_error`, a Platt recalibration is fitted on the held-out predictions
  (its own quality measured by two-fold cross-fitting there, so it is not judged on what it
  learned) and kept if it calibrates better. When the model does not beat the prior's Brier
  score on the held-out leads, the prior is used, saying so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from scipy.special import expit, logit
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression

from daur.analytics.lead_features import CATEGORICAL, LeadFeatures
from daur.analytics.lead_score import LeadModel, level_codes, numeric_columns
from daur.analytics.rules_config import LeadScoreRules

CALIBRATION_BINS = 10
# Up to this many closed leads, folds (each lead held out once) and a final fit on all; beyond,
# one hold-out, and the model fitted on the rest is kept.
REFIT_MAX_CLOSED = 100_000


def brier_score(probability: np.ndarray, won: np.ndarray) -> float:
    return float(np.mean((probability - won) ** 2))


def auc(probability: np.ndarray, won: np.ndarray) -> float:
    """Area under the ROC curve (ties count half); NaN with one class only."""
    won = won.astype(bool)
    n_won, n_lost = int(won.sum()), int((~won).sum())
    if n_won == 0 or n_lost == 0:
        return float("nan")
    ranks = rankdata(probability)
    return float((ranks[won].sum() - n_won * (n_won + 1) / 2) / (n_won * n_lost))


def calibration_error(probability: np.ndarray, won: np.ndarray) -> float:
    """Expected calibration error: |mean predicted - observed win rate| over ten equal-width
    bins of the prediction, weighted by the bins' sizes."""
    if len(probability) == 0:
        return float("nan")
    bins = np.minimum((probability * CALIBRATION_BINS).astype(np.int64), CALIBRATION_BINS - 1)
    predicted = np.bincount(bins, probability, CALIBRATION_BINS)
    observed = np.bincount(bins, won.astype(np.float64), CALIBRATION_BINS)
    return float(np.abs(predicted - observed).sum() / len(probability))


def quality(probability: np.ndarray, won: np.ndarray) -> dict[str, float]:
    return {
        "brier": round(brier_score(probability, won), 5),
        "auc": round(auc(probability, won), 5),
        "calibration_error": round(calibration_error(probability, won), 5),
    }


def prior_model(
    features: LeadFeatures, won: np.ndarray, rules: LeadScoreRules, *, reason: str = ""
) -> LeadModel:
    """Per source: (won + s x overall) / (closed + s), s = `prior_strength`; the overall rate
    is the history's (or `default_win_rate` with no closed lead). A source never closed gets the
    overall rate."""
    won = won.astype(bool)
    overall = float(won.mean()) if len(won) else rules.default_win_rate
    overall = float(np.clip(overall, 1e-3, 1 - 1e-3))
    levels = tuple(sorted(set(features.source.tolist()) - {""}))
    codes = level_codes(features.source, levels)
    known = codes >= 0
    closed = np.bincount(codes[known], minlength=len(levels))
    wins = np.bincount(codes[known], won[known].astype(np.float64), len(levels))
    strength = max(rules.prior_strength, 1e-6)
    rate = (wins + strength * overall) / (closed + strength)
    n_numeric = len(features.activity_kinds) + 3
    return LeadModel(
        basis="prior",
        activity_kinds=features.activity_kinds,
        levels={"source": levels},
        numeric_center=np.zeros(n_numeric),
        numeric_scale=np.ones(n_numeric),
        coef=np.concatenate((logit(rate) - logit(overall), np.zeros(n_numeric))),
        intercept=float(logit(overall)),
        column_mean=np.zeros(len(levels) + n_numeric),
        reason=reason,
        quality={"n_won": int(won.sum()), "n_lost": int((~won).sum())},
    )


def lead_model_learn(
    features: LeadFeatures, won: np.ndarray, rules: LeadScoreRules | None = None, *, seed: int = 0
) -> LeadModel:
    """The lead model from the closed leads (`won`: True for won, False for lost)."""
    rules = rules or LeadScoreRules()
    won = np.asarray(won, dtype=bool)
    n_won, n_lost = int(won.sum()), int((~won).sum())
    if min(n_won, n_lost) < rules.min_outcomes:
        reason = (
            f"Thin history: {n_won} won and {n_lost} lost closed leads (the model needs at least "
            f"{rules.min_outcomes} of each); the win rate per channel is used."
        )
        return prior_model(features, won, rules, reason=reason)
    rng = np.random.default_rng(seed)
    small = len(won) <= REFIT_MAX_CLOSED
    # Every closed lead held out once (folds of `holdout_share`) for a small history, one
    # hold-out for a large one: the checks then rest on every lead, not on a few dozen.
    folds = (
        _stratified_folds(won, rules.holdout_share, rng)
        if small
        else [_stratified_holdout(won, rules.holdout_share, rng)]
    )
    checked_rows = np.zeros(len(won), dtype=bool)
    logit_out, prior_out = np.zeros(len(won)), np.zeros(len(won))
    for holdout in folds:
        train = ~holdout
        model = _fit(features.take(train), won[train], rules)
        logit_out[holdout] = model.score(features.take(holdout)).logit
        prior = prior_model(features.take(train), won[train], rules)
        prior_out[holdout] = prior.score(features.take(holdout)).probability
        checked_rows |= holdout
    scores, outcome = logit_out[checked_rows], won[checked_rows]
    checked = quality(expit(scores), outcome)
    prior_checked = quality(prior_out[checked_rows], outcome)
    calibration = "none"
    if checked["calibration_error"] > rules.max_calibration_error:
        platt_checked = quality(_platt_cross_fitted(scores, outcome), outcome)
        if platt_checked["calibration_error"] < checked["calibration_error"]:
            checked, calibration = platt_checked, "platt"
    if small:  # as sklearn's CalibratedClassifierCV(ensemble=False): refit on all
        model = _fit(features, won, rules)
    if calibration == "platt":
        model = _platt(model, scores, outcome)
    report: dict[str, Any] = {
        "n_won": n_won,
        "n_lost": n_lost,
        "n_folds": len(folds),
        "n_checked": int(checked_rows.sum()),
        "holdout": checked,
        "prior_holdout": prior_checked,
        "calibration": calibration,
    }
    if checked["brier"] > prior_checked["brier"]:
        reason = (
            f"The model (Brier {checked['brier']:.4f} on the held-out leads) did no better than "
            f"the win rate per channel (Brier {prior_checked['brier']:.4f}); the prior is used."
        )
        fallback = prior_model(features, won, rules, reason=reason)
        return _with_quality(fallback, report)
    return _with_quality(model, report)


def _with_quality(model: LeadModel, report: dict[str, Any]) -> LeadModel:
    return replace(model, quality=report)


def _stratified_folds(won: np.ndarray, share: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Folds of about `share` of the leads each, every class spread evenly over them."""
    n_folds = max(2, int(round(1.0 / min(max(share, 0.05), 0.5))))
    fold = np.empty(len(won), dtype=np.int64)
    for outcome in (True, False):
        rows = rng.permutation(np.flatnonzero(won == outcome))
        fold[rows] = np.arange(len(rows)) % n_folds
    return [fold == k for k in range(n_folds)]


def _stratified_holdout(won: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    holdout = np.zeros(len(won), dtype=bool)
    for outcome in (True, False):
        rows = np.flatnonzero(won == outcome)
        take = int(round(len(rows) * min(max(share, 0.05), 0.5)))
        holdout[rng.choice(rows, size=max(take, 1), replace=False)] = True
    return holdout


def _levels(labels: np.ndarray, rules: LeadScoreRules) -> tuple[str, ...]:
    values, counts = np.unique(labels.astype(str), return_counts=True)
    keep = (counts >= rules.min_level_count) & (values != "")
    values, counts = values[keep], counts[keep]
    order = np.lexsort((values, -counts))[: rules.max_levels]
    return tuple(sorted(values[order].tolist()))


def _fit(features: LeadFeatures, won: np.ndarray, rules: LeadScoreRules) -> LeadModel:
    numeric = numeric_columns(features)
    scale = numeric.std(axis=0)
    unfitted = LeadModel(
        basis="model",
        activity_kinds=features.activity_kinds,
        levels={name: _levels(features.labels(name), rules) for name in CATEGORICAL},
        numeric_center=numeric.mean(axis=0),
        numeric_scale=np.where(scale > 1e-12, scale, 1.0),
        coef=np.zeros(0),
        intercept=0.0,
        column_mean=np.zeros(0),
    )
    x = unfitted.design(features)
    regression = LogisticRegression(C=1.0 / max(rules.regularisation, 1e-9), max_iter=500)
    regression.fit(x, won)
    return LeadModel(
        **{
            **unfitted.__dict__,
            "coef": regression.coef_[0].astype(np.float64),
            "intercept": float(regression.intercept_[0]),
            "column_mean": np.asarray(x.mean(axis=0)).ravel(),
        }
    )


def _platt_fit(scores: np.ndarray, won: np.ndarray) -> tuple[float, float]:
    regression = LogisticRegression(C=1e4, max_iter=200).fit(scores[:, None], won)
    return float(regression.coef_[0, 0]), float(regression.intercept_[0])


def _platt_cross_fitted(scores: np.ndarray, won: np.ndarray) -> np.ndarray:
    """Each half of the hold-out recalibrated by the other half's Platt fit."""
    half = _stratified_holdout(won, 0.5, np.random.default_rng(1))
    probability = np.empty(len(scores))
    for fit_rows in (half, ~half):
        if len(set(won[fit_rows].tolist())) < 2:
            return expit(scores)
        a, b = _platt_fit(scores[fit_rows], won[fit_rows])
        probability[~fit_rows] = expit(a * scores[~fit_rows] + b)
    return probability


def _platt(model: LeadModel, scores: np.ndarray, won: np.ndarray) -> LeadModel:
    """The model with logit a x L + b folded into its coefficients (still linear)."""
    a, b = _platt_fit(scores, won)
    return LeadModel(
        **{**model.__dict__, "coef": a * model.coef, "intercept": a * model.intercept + b}
    )
