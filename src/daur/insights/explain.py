"""`customer_explanation`: the evidence behind one customer's stage, types, loyalty and strategy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from daur.analytics.evidence import Evidence

if TYPE_CHECKING:
    from daur.insights.models import CustomerScore, ScoringRun


@dataclass(frozen=True)
class LoyaltyCharacteristic:
    code: str  # repeat_purchase, multi_category, recommends, resists_competitors
    met: bool
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Explanation:
    """Each Evidence has an English `template` (translatable) and `values`; `.text` renders it."""

    stage: str
    stage_evidence: tuple[Evidence, ...] = ()
    types: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)
    orientation: str = ""
    orientation_evidence: tuple[Evidence, ...] = ()
    loyalty_score: int = 0
    loyalty: tuple[LoyaltyCharacteristic, ...] = ()
    strategy: str = ""
    strategy_evidence: tuple[Evidence, ...] = ()
    actions: tuple[str, ...] = ()


def customer_explanation(
    *, customer_id: int, score: CustomerScore | None = None, run: ScoringRun | None = None
) -> Explanation | None:
    """The evidence for one customer, recomputed from its records with the last run's fit and
    cut-offs (the same computation as a real-time re-score); None when it was never scored.

    `score` and `run` are the customer's stored score and the last successful run, when the
    caller has them already."""
    from daur.definitions.rules import rules_config
    from daur.insights.models import CustomerScore
    from daur.insights.services import latest_run, rescore_results

    if score is None:
        score = CustomerScore.objects.filter(customer_id=customer_id).first()
    if run is None:
        run = latest_run()
    if score is None or run is None:
        return None
    s = rescore_results(run, [customer_id], rules_config())
    # The stored score is what lists, filters and exports show; evidence is attached where the
    # recomputation agrees with it (it does unless records changed without a re-score).
    stage_same = s.stage.stage_of(0) == score.lifecycle_stage
    strategy_same = (s.strategy.strategy_of(0) or "") == score.strategy
    orientation_same = (s.orientation.names()[0] or "") == score.orientation
    evidence_of_type = dict(s.types.evidence(0))
    loyalty = s.loyalty
    met = {e.code: e for e in loyalty.evidence(0)}
    loyalty_same = int(loyalty.score[0]) == score.loyalty_score
    characteristics = (
        tuple(
            LoyaltyCharacteristic(
                code=code,
                met=bool(getattr(loyalty, code)[0]),
                evidence=(met[code],) if code in met else (),
            )
            for code in ("repeat_purchase", "multi_category", "recommends", "resists_competitors")
        )
        if loyalty_same
        else ()
    )
    return Explanation(
        stage=score.lifecycle_stage,
        stage_evidence=tuple(s.stage.evidence(0)) if stage_same else (),
        types={label: tuple(evidence_of_type.get(label, ())) for label in score.type_list},
        orientation=score.orientation,
        orientation_evidence=tuple(s.orientation.evidence(0)) if orientation_same else (),
        loyalty_score=score.loyalty_score,
        loyalty=characteristics,
        strategy=score.strategy,
        strategy_evidence=tuple(s.strategy.evidence(0)) if strategy_same else (),
        actions=tuple(s.strategy.actions(0)) if strategy_same else (),
    )
