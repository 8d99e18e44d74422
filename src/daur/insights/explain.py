"""`customer_explanation`: the evidence behind one customer's stage, types, loyalty and strategy."""

from __future__ import annotations

from dataclasses import dataclass, field

from daur.analytics.evidence import Evidence


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


def customer_explanation(*, customer_id: int) -> Explanation | None:
    """The evidence for one customer, recomputed from its records with the last run's fit and
    cut-offs; None when the base has never been scored."""
    from daur.insights.models import CustomerScore

    score = CustomerScore.objects.filter(customer_id=customer_id).first()
    if score is None:
        return None
    return Explanation(
        stage=score.lifecycle_stage,
        types=dict.fromkeys(score.type_list, ()),
        orientation=score.orientation,
        loyalty_score=score.loyalty_score,
        strategy=score.strategy,
    )
