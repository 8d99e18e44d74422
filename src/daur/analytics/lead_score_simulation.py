"""Synthetic lead histories with a planted logistic truth, to check the lead score against.

The truth is written in the same terms the model learns (an effect per source and industry, a
slope per log activity count and per log response hours), so that tests and benchmarks can
compare recovered coefficients, not just a fit to itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from daur.analytics.lead_features import LeadFeatures

KINDS = ("call", "email", "meeting")
SOURCE_EFFECT = {
    "referral": 1.2,
    "exhibition": 0.5,
    "website": 0.0,
    "search_engine": -0.2,
    "email": -0.6,
    "telemarketing": -0.9,
    "advertising": -1.1,
    "coupon": -0.4,
}
INDUSTRY_EFFECT = {"retail": 0.3, "manufacturing": 0.0, "hospitality": -0.3, "": 0.0}
SLOPE = {"call": 0.5, "email": -0.3, "meeting": 0.9}  # per log(1 + count)
RESPONSE_SLOPE = -0.35  # per log(1 + hours to the first answer)
NO_RESPONSE_EFFECT = -1.0
INTERCEPT = -1.2


@dataclass(frozen=True)
class SimulatedLeads:
    features: LeadFeatures
    won: np.ndarray
    true_probability: np.ndarray


def simulate_leads(n: int, *, seed: int = 0, n_campaigns: int = 40) -> SimulatedLeads:
    """`n` closed leads drawn from the planted truth (campaign, country and age carry none)."""
    rng = np.random.default_rng(seed)
    sources = np.array(list(SOURCE_EFFECT), dtype=object)
    source = sources[rng.integers(len(sources), size=n)]
    industries = np.array(list(INDUSTRY_EFFECT), dtype=object)
    industry = industries[rng.integers(len(industries), size=n)]
    campaign = np.array([f"c{i}" for i in range(n_campaigns)] + [""], dtype=object)
    country = np.array(["id", "it", "sg", ""], dtype=object)
    engagement = rng.gamma(2.0, 0.8, n)  # how much each lead is worked
    counts = rng.poisson(engagement[:, None] * np.array([1.5, 2.0, 0.5]))
    answered = rng.random(n) < 0.85
    hours = np.where(answered, rng.exponential(20.0, n), np.nan)
    logit = (
        INTERCEPT
        + np.vectorize(SOURCE_EFFECT.get)(source)
        + np.vectorize(INDUSTRY_EFFECT.get)(industry)
        + np.log1p(counts) @ np.array([SLOPE[k] for k in KINDS])
        + np.where(answered, RESPONSE_SLOPE * np.log1p(np.nan_to_num(hours)), NO_RESPONSE_EFFECT)
    )
    probability = expit(logit)
    features = LeadFeatures.build(
        source=source,
        campaign=campaign[rng.integers(len(campaign), size=n)],
        industry=industry,
        country=country[rng.integers(len(country), size=n)],
        activity_kinds=KINDS,
        activity_counts=counts,
        first_response_hours=hours,
        age_days=rng.integers(1, 200, n),
    )
    return SimulatedLeads(
        features=features, won=rng.random(n) < probability, true_probability=probability
    )
