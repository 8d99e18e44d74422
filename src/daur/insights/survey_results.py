"""NPS results over a period: by month, by saved segment, by customer type, by life-cycle stage
and by survey round, each with its sample size and 95 % interval (daur.analytics.nps), and the
comments. Bands from daur.definitions.surveys; a segment's answers are those of its members now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncMonth

from daur.analytics.lifecycle import LIFECYCLE_STAGES
from daur.analytics.nps import NpsEstimate, nps_estimate
from daur.analytics.typology import TYPE_LABELS
from daur.campaigns.models import Segment
from daur.definitions.surveys import detractor_q, promoter_q
from daur.insights.segments import segment_members
from daur.surveys.models import SurveyAnswer

COMMENTS_SHOWN = 50


@dataclass(frozen=True)
class NpsRow:
    key: str  # a month (YYYY-MM), a segment's or round's name, a type or stage code
    promoters: int
    detractors: int
    estimate: NpsEstimate


@dataclass(frozen=True)
class SurveyResults:
    overall: NpsRow
    by_month: tuple[NpsRow, ...]
    by_segment: tuple[NpsRow, ...]
    by_type: tuple[NpsRow, ...]
    by_stage: tuple[NpsRow, ...]
    by_round: tuple[NpsRow, ...]
    comments: tuple[SurveyAnswer, ...]


def _counts() -> dict:
    return {"n": Count("id"), "p": Count("id", filter=promoter_q()),
            "d": Count("id", filter=detractor_q())}


def _row(key: str, counts: dict) -> NpsRow:
    estimate = nps_estimate(counts["p"], counts["d"], counts["n"])
    return NpsRow(key, counts["p"], counts["d"], estimate)


def _grouped(answers: QuerySet, field: str) -> list[NpsRow]:
    rows = answers.values(field).annotate(**_counts()).order_by(field)
    return [_row(str(r[field]) if r[field] is not None else "", r) for r in rows]


def survey_results(*, start: datetime, end: datetime) -> SurveyResults:
    answers = SurveyAnswer.objects.filter(answered_at__gte=start, answered_at__lt=end)
    by_month = [
        NpsRow(r.key[:7], r.promoters, r.detractors, r.estimate)
        for r in _grouped(answers.annotate(month=TruncMonth("answered_at")), "month")
    ]
    stages = {r.key: r for r in _grouped(answers, "customer__score__lifecycle_stage")}
    by_type = []
    for bit, code in enumerate(TYPE_LABELS):
        typed = answers.annotate(bits=F("customer__score__type_bits").bitand(1 << bit))
        counts = typed.filter(bits__gt=0).aggregate(**_counts())
        if counts["n"]:
            by_type.append(_row(code, counts))
    by_segment = []
    for segment in Segment.objects.order_by("name"):
        try:
            members = segment_members(segment)
        except ValueError:  # its stored filter no longer reads
            continue
        counts = answers.filter(customer__in=members.values("id")).aggregate(**_counts())
        by_segment.append(_row(segment.name, counts))
    rounds = _grouped(answers.filter(invitation__isnull=False), "invitation__survey_round__name")
    comments = answers.exclude(comment="").select_related("customer").order_by("-answered_at")
    return SurveyResults(
        overall=_row("", answers.aggregate(**_counts())),
        by_month=tuple(by_month),
        by_segment=tuple(by_segment),
        by_type=tuple(by_type),
        by_stage=tuple(stages[s] for s in LIFECYCLE_STAGES if s in stages),
        by_round=tuple(rounds),
        comments=tuple(comments[:COMMENTS_SHOWN]),
    )
