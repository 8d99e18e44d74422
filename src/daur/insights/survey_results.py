"""NPS results over a period: by month, by saved segment, by customer type, by life-cycle stage,
by survey round, by reseller and by buyer persona, each with its sample size and 95 % interval
(daur.analytics.nps), and the comments. Bands from daur.definitions.surveys.

- a segment's answers are those of its members now;
- a reseller's answers are those of the customers who ever ordered through it (`Order.reseller`):
  a customer who bought through two resellers counts for both; the resellers the user may see are
  listed with most answers first (at most RESELLERS_SHOWN), one without answers with n = 0;
- a persona's answers are those of its buyers at the latest persona run (`PersonaMember`); a
  customer without a persona (no order at that run, or no run yet) counts for none of them.

For a user who sees only their own customers (a sales rep: daur.customers.access), every figure is
over their customers' answers, and the resellers are their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncMonth

from daur.accounts.models import User
from daur.analytics.lifecycle import LIFECYCLE_STAGES
from daur.analytics.nps import NpsEstimate, nps_estimate
from daur.analytics.typology import TYPE_LABELS
from daur.campaigns.models import Segment
from daur.customers.access import customers_visible_to, sees_all_customers
from daur.customers.models import Customer
from daur.db import dialect
from daur.definitions.surveys import detractor_q, promoter_q
from daur.insights.models import PersonaRun
from daur.insights.resellers import resellers_visible_to
from daur.insights.segments import segment_members
from daur.surveys.models import SurveyAnswer

COMMENTS_SHOWN = 50
RESELLERS_SHOWN = 50  # a large base has thousands of resellers: those with most answers


@dataclass(frozen=True)
class NpsRow:
    key: str  # a month (YYYY-MM), a segment's, round's or reseller's name, a type or stage code,
    # a persona's number in its run
    promoters: int
    detractors: int
    estimate: NpsEstimate
    pk: int | None = None  # a reseller's customer id, a persona's id


@dataclass(frozen=True)
class SurveyResults:
    overall: NpsRow
    by_month: tuple[NpsRow, ...]
    by_segment: tuple[NpsRow, ...]
    by_type: tuple[NpsRow, ...]
    by_stage: tuple[NpsRow, ...]
    by_round: tuple[NpsRow, ...]
    by_reseller: tuple[NpsRow, ...]
    resellers_not_shown: int  # resellers beyond RESELLERS_SHOWN (the fewest answers)
    by_persona: tuple[NpsRow, ...]
    comments: tuple[SurveyAnswer, ...]


def _counts(*, distinct: bool = False) -> dict:
    """Answers, promoters and detractors; `distinct` when a join repeats an answer."""
    return {"n": Count("id", distinct=distinct),
            "p": Count("id", filter=promoter_q(), distinct=distinct),
            "d": Count("id", filter=detractor_q(), distinct=distinct)}


NO_ANSWERS = {"n": 0, "p": 0, "d": 0}


def _row(key: str, counts: dict, pk: int | None = None) -> NpsRow:
    estimate = nps_estimate(counts["p"], counts["d"], counts["n"])
    return NpsRow(key, counts["p"], counts["d"], estimate, pk)


def _grouped(answers: QuerySet, field: str) -> list[NpsRow]:
    rows = answers.values(field).annotate(**_counts()).order_by(field)
    return [_row(str(r[field]) if r[field] is not None else "", r) for r in rows]


def _by_reseller(answers: QuerySet, resellers: QuerySet) -> tuple[list[NpsRow], int]:
    """The resellers in `resellers` with the answers of the customers who ordered through them,
    most answers first (then by name), RESELLERS_SHOWN at most; and how many were left out. One
    grouped query over the answers joined to their customers' orders."""
    field = "customer__orders__reseller_id"
    grouped = (
        answers.filter(**{f"{field}__in": resellers.values("pk")})
        .values(field).annotate(**_counts(distinct=True)).order_by()
    )
    with transaction.atomic(), connection.cursor() as cursor:
        dialect.hash_joins(cursor)
        counts = {r[field]: r for r in grouped}
    named = resellers.order_by("name", "pk").values_list("pk", "name")
    rows = sorted(
        (_row(name, counts.get(pk, NO_ANSWERS), pk) for pk, name in named),
        key=lambda row: -row.estimate.answers,  # stable: names in order within a count
    )
    return rows[:RESELLERS_SHOWN], max(len(rows) - RESELLERS_SHOWN, 0)


def _by_persona(answers: QuerySet) -> list[NpsRow]:
    """The latest persona run's personas in their order, with their buyers' answers."""
    persona_run = PersonaRun.objects.order_by("-created_at", "-id").first()
    if persona_run is None:
        return []
    field = "customer__persona_member__persona_id"
    counts = {
        r[field]: r
        for r in answers.filter(customer__persona_member__persona__persona_run=persona_run)
        .values(field).annotate(**_counts()).order_by()
    }
    return [
        _row(str(number), counts.get(pk, NO_ANSWERS), pk)
        for pk, number in persona_run.personas.order_by("number").values_list("pk", "number")
    ]


def survey_results(*, start: datetime, end: datetime, user: User | None = None) -> SurveyResults:
    """The results over the answers given in [start, end): the whole base's, or (with `user`)
    those of the customers the user may see."""
    answers = SurveyAnswer.objects.filter(answered_at__gte=start, answered_at__lt=end)
    resellers = (
        resellers_visible_to(user) if user is not None
        else Customer.objects.filter(relationship="intermediary")
    )
    if user is not None and not sees_all_customers(user):
        answers = answers.filter(customer__in=customers_visible_to(user).values("pk"))
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
    by_reseller, resellers_not_shown = _by_reseller(answers, resellers)
    rounds = _grouped(answers.filter(invitation__isnull=False), "invitation__survey_round__name")
    comments = answers.exclude(comment="").select_related("customer").order_by("-answered_at")
    return SurveyResults(
        overall=_row("", answers.aggregate(**_counts())),
        by_month=tuple(by_month),
        by_segment=tuple(by_segment),
        by_type=tuple(by_type),
        by_stage=tuple(stages[s] for s in LIFECYCLE_STAGES if s in stages),
        by_round=tuple(rounds),
        by_reseller=tuple(by_reseller),
        resellers_not_shown=resellers_not_shown,
        by_persona=tuple(_by_persona(answers)),
        comments=tuple(comments[:COMMENTS_SHOWN]),
    )
