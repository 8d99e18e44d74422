"""A range's features and buyer summary, kept by a distributed run's first phase so that its
last phase scores the range without reading it again (`daur.insights.distributed`): the columns
of an incremental run's state (`incremental.state_of`) with the range's lead columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from daur.analytics.features import CustomerFeatures
from daur.analytics.fit_inputs import FitInputs
from daur.analytics.incremental import (
    CustomerState,
    buyers_of,
    expected_columns,
    state_features,
    state_of,
)
from daur.analytics.rules_config import RulesConfig
from daur.analytics.scoring import BaseEvents, BaseScores, Bought, score_features
from daur.analytics.scoring_parts import MergedParts, RangeContext, neighbourhood_patch

LEAD_COLUMNS = ("qualified_lead", "lead_score")


def range_state(
    events: BaseEvents,
    context: RangeContext,
    *,
    features: CustomerFeatures,
    bought: Bought | None,
    config: RulesConfig,
) -> CustomerState:
    """What a range's last phase scores from without reading the range again: its customers'
    state as an incremental run stores it (`incremental.state_of`), with their lead columns."""
    state = state_of(
        events,
        pks=context.ids,
        referrer_pks=context.referrer_ids,
        market_keys=context.markets,
        features=features,
        bought=bought,
        config=config,
    )
    columns = dict(state.columns)
    for name in LEAD_COLUMNS:
        columns[name] = getattr(features, name)
    return CustomerState(as_of_day=state.as_of_day, columns=columns)


def range_state_complete(columns: Mapping[str, np.ndarray]) -> bool:
    """Whether stored columns are a whole `range_state` (else the range is read again)."""
    return set(columns) == expected_columns() | set(LEAD_COLUMNS)


def range_state_scores(
    state: CustomerState,
    merged: MergedParts,
    *,
    config: RulesConfig,
    fits: Mapping[str, Any],
    cuts: Mapping[str, Any],
) -> BaseScores:
    """A range's scores from its `range_state`, the base's fit and cut-offs and its
    neighbourhood: what `score_base(events, fits=..., cuts=..., patch_features=...)` gives."""
    c = state.columns
    own = CustomerState(
        as_of_day=state.as_of_day, columns={k: v for k, v in c.items() if k not in LEAD_COLUMNS}
    )
    features = state_features(own, qualified_lead=c["qualified_lead"], lead_score=c["lead_score"])
    context = RangeContext(
        ids=c["pk"],
        referrer_ids=c["referrer_pk"],
        markets={"geo": c["geo_key"], "industry": c["industry_key"]},
    )
    features = neighbourhood_patch(context, merged)(features)
    buyers = buyers_of(own)
    return score_features(
        features,
        buyers=buyers,
        fit_inputs=None if buyers is None else _fitted_by_the_merge,
        margin_rate=c["margin_rate"],
        config=config,
        fits=fits,
        cuts=cuts,
    )


def _fitted_by_the_merge() -> FitInputs:
    raise RuntimeError("a range is scored with the base's fit, never fitted alone")
