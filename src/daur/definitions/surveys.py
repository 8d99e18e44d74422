"""**Promoter, passive, detractor** from an NPS answer (0-10), and the NPS of a set of answers.

A promoter answers at least `surveys.promoter_min_nps` (default 9), a detractor at most
`surveys.detractor_max_nps` (default 6), a passive in between; NPS = promoters % - detractors %.
The bands come from the rules config (`DAUR_RULES_FILE`); the scoring rules that read a customer's
latest answer (the inspiration stage's advocate, loyalty characteristic 3, the `difficult` type,
the `protect` risk) use the same two settings. The dashboard and `daur kpi` count with these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from daur.analytics.rules_config import RulesConfig
from daur.definitions.rules import rules_config

NPS_BANDS = ("promoter", "passive", "detractor")
NPS_VALUES = range(11)  # the answers an NPS question allows


def _bands(rules: RulesConfig | None) -> tuple[float, float]:
    surveys = (rules or rules_config()).surveys
    return surveys.promoter_min_nps, surveys.detractor_max_nps


def nps_band(nps: int, rules: RulesConfig | None = None) -> str:
    """The answer's band: "promoter", "passive" or "detractor"."""
    promoter_min, detractor_max = _bands(rules)
    if nps >= promoter_min:
        return "promoter"
    return "detractor" if nps <= detractor_max else "passive"


def promoter_q(rules: RulesConfig | None = None, field: str = "nps") -> Q:
    return Q(**{f"{field}__gte": _bands(rules)[0]})


def detractor_q(rules: RulesConfig | None = None, field: str = "nps") -> Q:
    return Q(**{f"{field}__lte": _bands(rules)[1]})


@dataclass(frozen=True)
class NpsCounts:
    answers: int
    promoters: int
    detractors: int

    @property
    def passives(self) -> int:
        return self.answers - self.promoters - self.detractors

    @property
    def nps(self) -> float | None:
        """promoters % - detractors % (None without answers)."""
        if not self.answers:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.answers


def nps_counts(answers: QuerySet, rules: RulesConfig | None = None) -> NpsCounts:
    """The bands of these SurveyAnswer rows: one aggregate query."""
    rules = rules or rules_config()
    totals = answers.aggregate(
        n=Count("pk"),
        promoters=Count("pk", filter=promoter_q(rules)),
        detractors=Count("pk", filter=detractor_q(rules)),
    )
    return NpsCounts(totals["n"], totals["promoters"], totals["detractors"])


def nps_histogram(rows: Sequence[tuple[int, int]]) -> list[int]:
    """(answer, how many) pairs as 11 counts, one per answer 0..10: what the dashboard stores, so
    that its bands are those in force when it is read."""
    counts = [0] * len(NPS_VALUES)
    for nps, n in rows:
        counts[int(nps)] += n
    return counts


def nps_counts_of_histogram(counts: Sequence[int], rules: RulesConfig | None = None) -> NpsCounts:
    """The bands of 11 counts, one per answer 0..10."""
    rules = rules or rules_config()
    bands = [nps_band(nps, rules) for nps in NPS_VALUES]
    return NpsCounts(
        answers=sum(counts),
        promoters=sum(n for n, band in zip(counts, bands) if band == "promoter"),
        detractors=sum(n for n, band in zip(counts, bands) if band == "detractor"),
    )
