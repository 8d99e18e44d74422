"""A customer's score as the API shows it: the stored figures (SPEC §3's score export), and the
evidence and reasons behind its stage, types, loyalty and strategy (daur.insights.explain)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Schema

from daur.analytics.evidence import Evidence
from daur.analytics.strategy import ACTIONS
from daur.insights.explain import customer_explanation
from daur.insights.models import CustomerScore
from daur.insights.services import latest_run


class EvidenceOut(Schema):
    code: str
    text: str
    values: dict[str, Any]


class Characteristic(Schema):
    code: str
    met: bool
    evidence: list[EvidenceOut]


class ScoreBrief(Schema):
    as_of: date
    lifecycle_stage: str
    types: list[str]
    rfm_segment: str
    p_alive: float | None
    clv_12m: float | None
    strategy: str


class ScoreOut(ScoreBrief):
    customer_id: str
    orientation: str
    loyalty_score: int | None
    rfm_r: int | None
    rfm_f: int | None
    rfm_m: int | None
    expected_orders_90d: float | None
    expected_order_value: float | None
    strategy_reasons: str
    actions: list[str]
    stage_evidence: list[EvidenceOut]
    type_evidence: dict[str, list[EvidenceOut]]
    orientation_evidence: list[EvidenceOut]
    loyalty: list[Characteristic]
    strategy_evidence: list[EvidenceOut]


def _evidence(items: tuple[Evidence, ...]) -> list[dict[str, Any]]:
    return [{"code": e.code, "text": e.text, "values": dict(e.values)} for e in items]


def _finite(value: float | None) -> float | None:
    return value if value is None or value == value and abs(value) != float("inf") else None


BRIEF_FIELDS = ("as_of", "lifecycle_stage", "types", "rfm_segment", "p_alive", "clv_12m",
                "strategy")
SCORE_LOOKUPS = tuple(f"score__{name}" for name in BRIEF_FIELDS)


def brief_of(row: dict[str, Any]) -> dict[str, Any] | None:
    """The brief score of a customer row read with SCORE_LOOKUPS (None: never scored)."""
    return brief({name: row[f"score__{name}"] for name in BRIEF_FIELDS})


def brief(values: dict[str, Any]) -> dict[str, Any] | None:
    if values.get("as_of") is None:
        return None
    return {
        "as_of": values["as_of"],
        "lifecycle_stage": values["lifecycle_stage"],
        "types": [t for t in (values["types"] or "").split(";") if t],
        "rfm_segment": values["rfm_segment"],
        "p_alive": _finite(values["p_alive"]),
        "clv_12m": _finite(values["clv_12m"]),
        "strategy": values["strategy"],
    }


def score_read(*, customer_id: int, external_id: str) -> dict[str, Any] | None:
    """The score with its evidence; None for a customer never scored."""
    found = list(CustomerScore.objects.filter(customer_id=customer_id)[:1])
    if not found:
        return None
    score = found[0]
    explanation = customer_explanation(customer_id=customer_id, score=score, run=latest_run())
    out = brief({name: getattr(score, name) for name in BRIEF_FIELDS}) or {}
    out.update(
        customer_id=external_id,
        orientation=score.orientation,
        loyalty_score=score.loyalty_score,
        rfm_r=score.rfm_r,
        rfm_f=score.rfm_f,
        rfm_m=score.rfm_m,
        expected_orders_90d=_finite(score.expected_orders_90d),
        expected_order_value=_finite(score.expected_order_value),
        strategy_reasons=score.strategy_reasons,
        actions=list(ACTIONS.get(score.strategy, ())),
        stage_evidence=[], type_evidence={}, orientation_evidence=[], loyalty=[],
        strategy_evidence=[],
    )
    if explanation is not None:
        out.update(
            actions=list(explanation.actions) or out["actions"],
            stage_evidence=_evidence(explanation.stage_evidence),
            type_evidence={k: _evidence(v) for k, v in explanation.types.items()},
            orientation_evidence=_evidence(explanation.orientation_evidence),
            loyalty=[
                {"code": c.code, "met": c.met, "evidence": _evidence(c.evidence)}
                for c in explanation.loyalty
            ],
            strategy_evidence=_evidence(explanation.strategy_evidence),
        )
    return out
