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
    cut-offs (the same computation as a real-time re-score); None when it was never scored."""
    from daur.insights.models import CustomerScore
    from daur.insights.services import latest_run, rescore_results, rules_config

    score = CustomerScore.objects.filter(customer_id=customer_id).first()
    run = latest_run()
    if score is None or run is None:
        return None
    s = rescore_results(run, [customer_id], rules_config())
    loyalty = s.loyalty
    met = {e.code: e for e in loyalty.evidence(0)}
    characteristics = tuple(
        LoyaltyCharacteristic(
            code=code,
            met=bool(getattr(loyalty, code)[0]),
            evidence=(met[code],) if code in met else (),
        )
        for code in ("repeat_purchase", "multi_category", "recommends", "resists_competitors")
    )
    return Explanation(
        stage=s.stage.stage_of(0),
        stage_evidence=tuple(s.stage.evidence(0)),
        types=dict(s.types.evidence(0)),
        orientation=s.orientation.names()[0] or "",
        orientation_evidence=tuple(s.orientation.evidence(0)),
        loyalty_score=int(loyalty.score[0]),
        loyalty=characteristics,
        strategy=s.strategy.strategy_of(0) or "",
        strategy_evidence=tuple(s.strategy.evidence(0)),
        actions=tuple(s.strategy.actions(0)),
    )
