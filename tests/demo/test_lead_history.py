"""The demo's lead history is one a lead score can learn from: outcomes depend on the channel and
on how the lead was worked, and it is not a logistic model of the score's own features."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

import numpy as np

from daur.analytics.lead_features import LeadFeatures
from daur.analytics.lead_score_learn import auc, lead_model_learn
from daur.demo.lead_work import CHANNEL_BASE_RATE
from daur.vocabulary import INTERACTION_KINDS


def _closed(business):
    counts: dict[str, Counter] = defaultdict(Counter)
    first: dict[str, str] = {}
    for row in business["interactions"]:
        if row["lead_id"]:
            counts[row["lead_id"]][row["kind"]] += 1
            if row["kind"] in ("call", "email", "meeting"):
                first[row["lead_id"]] = min(first.get(row["lead_id"], "~"), row["occurred_at"])
    closed = [r for r in business["leads"] if r["stage"] in ("won", "lost")]
    hours = [
        (
            datetime.fromisoformat(first[r["lead_id"]]) - datetime.fromisoformat(r["created_at"])
        ).total_seconds()
        / 3600
        if r["lead_id"] in first
        else None
        for r in closed
    ]
    features = LeadFeatures.build(
        source=[r["source"] for r in closed],
        campaign=[r["campaign_id"] for r in closed],
        activity_kinds=INTERACTION_KINDS,
        activity_counts=[[counts[r["lead_id"]][k] for k in INTERACTION_KINDS] for r in closed],
        first_response_hours=hours,
    )
    return closed, features, np.array([r["stage"] == "won" for r in closed])


def test_won_leads_were_worked_more_and_come_from_stronger_channels(business):
    closed, features, won = _closed(business)
    meetings = features.activity_counts[:, INTERACTION_KINDS.index("meeting")]
    assert meetings[won].mean() > 1.3 * meetings[~won].mean()
    base = np.array([CHANNEL_BASE_RATE.get(r["source"], 0.2) for r in closed])
    assert base[won].mean() > base[~won].mean()
    reasons = Counter(r["lost_reason"] for r in closed if r["stage"] == "lost")
    assert len(reasons) >= 5  # lost for many reasons


def test_a_lead_score_learns_it_better_than_the_channel_alone(business):
    closed, features, won = _closed(business)
    model = lead_model_learn(features, won)
    assert model.basis == "model", model.reason
    checked = model.quality
    assert checked["holdout"]["auc"] > checked["prior_holdout"]["auc"] + 0.05
    assert checked["holdout"]["calibration_error"] < 0.1
    assert auc(model.score(features).probability, won) > 0.7
