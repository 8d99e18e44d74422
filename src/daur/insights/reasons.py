"""The `strategy_reasons` column: each customer's strategy in one sentence, built for a whole base.

The 360 page shows the full evidence of one customer (`explain.py`); an export of a million
customers needs a sentence per customer in well under a second, so it is composed from the
masks the strategy rules already computed.
"""

from __future__ import annotations

import numpy as np

from daur.analytics.rules_config import RulesConfig
from daur.analytics.strategy import STRATEGIES, StrategyResult


def strategy_reasons(
    result: StrategyResult, stage_names: np.ndarray, config: RulesConfig
) -> list[str]:
    rules = config.strategy
    m = result.measures
    top = f"top {rules.value_top_share:.0%}"
    risks = np.char.add(
        np.char.add(
            np.where(m["risk_p_alive"], f"P(alive) below {rules.protect_p_alive:g}; ", ""),
            np.where(
                m["risk_complaint"],
                f"a complaint in the last {rules.recent_complaint_days} days; ",
                "",
            ),
        ),
        np.where(
            m["risk_detractor"], f"a detractor NPS (<= {config.surveys.detractor_max_nps}); ", ""
        ),
    )
    sentences = {
        "regain": f"{{stage}}; past spend in the {top} of buyers",
        "end": "{stage}; "
        + np.where(
            m["past_value_top"], "margin below the cost to serve", f"past spend outside the {top}"
        ).astype(object),
        "protect": f"value in the {top} and at risk: " + np.char.rstrip(risks, "; ").astype(object),
        "start": f"a prospect with a lead score of at least {rules.high_lead_score:g}",
        "enhance": f"active with a cross-/up-sell gap (at most {rules.cross_sell_max_categories} "
        "categories, or mostly standard tier)",
        "re_engineer": "active but costly to serve: "
        + np.where(
            m["margin_below_cost"], "margin below the cost to serve", "many tickets on small orders"
        ).astype(object),
        "harvest": "active with a positive margin and low growth: "
        + np.where(m["flat_spend"], "spend flat or falling", "CLV below the median").astype(object),
    }
    codes = result.strategy
    out = np.full(len(codes), "", dtype=object)
    stage_text = np.asarray(stage_names, dtype=object)
    for code, name in enumerate(STRATEGIES):
        chosen = codes == code
        if not chosen.any():
            continue
        sentence = sentences[name]
        if isinstance(sentence, str):
            sentence = np.full(len(codes), sentence, dtype=object)
        # Each distinct sentence is formatted once (a handful per strategy, not one per customer).
        _format_each_distinct(out, chosen, sentence, stage_text)
    # No rule fired: a buyer's strategy by value (SPEC §1.5, last paragraph), a prospect's none.
    protect = codes == STRATEGIES.index("protect")
    fallback_sentence = np.where(
        protect,
        f"{{stage}}; value in the {top}, no risk or gap found: keep what works",
        f"{{stage}}; value outside the {top}, no other rule fired",
    ).astype(object)
    _format_each_distinct(out, result.fallback, fallback_sentence, stage_text)
    none = codes < 0
    prospect = result.features.order_count == 0
    none_sentence = np.where(
        prospect,
        "not yet: prospect below the start threshold (a lead score of at least "
        f"{rules.high_lead_score:g})",
        "no strategy rule fires for a customer in stage {stage}",
    ).astype(object)
    _format_each_distinct(out, none, none_sentence, stage_text)
    return out.tolist()


def _format_each_distinct(
    out: np.ndarray, chosen: np.ndarray, templates: np.ndarray, stages: np.ndarray
) -> None:
    if not chosen.any():
        return
    formatted: dict[tuple[str, str], str] = {}

    def text(template: str, stage: str) -> str:
        key = (template, stage)
        value = formatted.get(key)
        if value is None:
            value = formatted[key] = str(template).format(stage=stage)
        return value

    out[chosen] = list(map(text, templates[chosen].tolist(), stages[chosen].tolist()))
