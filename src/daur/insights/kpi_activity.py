"""The KPIs of the teams' work over a period: service, sales activity and resellers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, Sum

from daur.customers.models import Customer
from daur.definitions.currency import base_amount
from daur.definitions.surveys import nps_counts
from daur.engagement.models import Interaction
from daur.insights.kpi_service import Durations, Timings, period_tickets, ticket_timings
from daur.insights.period import Period
from daur.leads.models import Lead
from daur.sales.models import Order
from daur.surveys.models import SurveyAnswer

OPEN_LEAD_STAGES = ("new", "contacted", "qualified", "proposal")
SATISFIED = (4, 5)  # CSAT: the share of tickets rated 4 or 5


@dataclass(frozen=True)
class Service:
    tickets_opened: int
    first_response: Durations
    resolution: Durations
    csat_ratings: int
    csat_mean: float | None  # mean satisfaction, 1-5
    csat_satisfied_share: float | None  # share rated 4 or 5
    nps_answers: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None  # promoters % - detractors %, -100..100


@dataclass(frozen=True)
class UserActivity:
    user: str  # username ("" = no user recorded)
    interactions: int
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineStage:
    stage: str
    leads: int
    expected_value: float  # sum; leads without an expected value add 0


@dataclass(frozen=True)
class SalesActivity:
    interactions: tuple[UserActivity, ...]
    leads_created: int
    leads_won: int  # stage won, converted (or, without a conversion date, created) in the period
    leads_lost: int  # stage lost, created in the period (no closing date is stored)
    win_rate: float | None  # won / (won + lost)
    pipeline: tuple[PipelineStage, ...]  # open leads now, whatever the period


@dataclass(frozen=True)
class ResellerRow:
    rank: int
    reseller_id: str  # the intermediary's external id
    name: str
    revenue: float
    previous_revenue: float  # the period of the same length just before
    growth: float | None  # revenue / previous_revenue - 1
    orders: int
    customers_served: int  # distinct customers with an order through it in the period


@dataclass(frozen=True)
class Resellers:
    previous_from: date
    previous_to: date
    rows: tuple[ResellerRow, ...]


def service_compute(*, period: Period, timings: Timings | None = None) -> Service:
    """Tickets opened in the period (response, resolution, CSAT) and NPS answers given in it."""
    timings = timings or ticket_timings(period_tickets(period))
    ratings = dict(enumerate(timings.ratings, start=1))  # rating -> tickets
    n = sum(ratings.values())
    csat = {
        "n": n,
        "total": sum(k * v for k, v in ratings.items()),
        "satisfied": sum(v for k, v in ratings.items() if k in SATISFIED),
    }
    nps = nps_counts(
        SurveyAnswer.objects.filter(answered_at__gte=period.start, answered_at__lt=period.end)
    )
    return Service(
        tickets_opened=timings.overall.tickets,
        first_response=timings.overall.first_response,
        resolution=timings.overall.resolution,
        csat_ratings=csat["n"],
        csat_mean=csat["total"] / csat["n"] if csat["n"] else None,
        csat_satisfied_share=csat["satisfied"] / csat["n"] if csat["n"] else None,
        nps_answers=nps.answers,
        promoters=nps.promoters,
        passives=nps.passives,
        detractors=nps.detractors,
        nps=nps.nps,
    )


def sales_activity_compute(*, period: Period) -> SalesActivity:
    counts = (
        Interaction.objects.filter(occurred_at__gte=period.start, occurred_at__lt=period.end)
        .values("user__username", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_user: dict[str, dict[str, int]] = {}
    for row in counts:
        per_user.setdefault(row["user__username"] or "", {})[row["kind"]] = row["n"]
    interactions = sorted(
        (
            UserActivity(user=u, interactions=sum(k.values()), by_kind=dict(sorted(k.items())))
            for u, k in per_user.items()
        ),
        key=lambda a: (-a.interactions, a.user),
    )
    created = Q(created_at__gte=period.start, created_at__lt=period.end)
    closed_won = Q(converted_at__gte=period.start, converted_at__lt=period.end) | Q(
        converted_at__isnull=True, created_at__gte=period.start, created_at__lt=period.end
    )
    leads = Lead.objects.aggregate(
        created=Count("id", filter=created),
        won=Count("id", filter=Q(stage="won") & closed_won),
        lost=Count("id", filter=Q(stage="lost") & created),
    )
    pipeline_rows = {
        r["stage"]: r
        for r in Lead.objects.filter(stage__in=OPEN_LEAD_STAGES)
        .values("stage")
        .annotate(n=Count("id"), value=Sum("expected_value"))
        .order_by()
    }
    pipeline = tuple(
        PipelineStage(
            stage=stage,
            leads=pipeline_rows.get(stage, {}).get("n", 0),
            expected_value=float(pipeline_rows.get(stage, {}).get("value") or 0),
        )
        for stage in OPEN_LEAD_STAGES
    )
    won, lost = leads["won"], leads["lost"]
    return SalesActivity(
        interactions=tuple(interactions),
        leads_created=leads["created"],
        leads_won=won,
        leads_lost=lost,
        win_rate=won / (won + lost) if won + lost else None,
        pipeline=pipeline,
    )


def resellers_compute(*, period: Period) -> Resellers:
    """Orders placed through each reseller in the period and in the one before, ranked."""
    previous = period.previous()
    now = Q(ordered_at__gte=period.start, ordered_at__lt=period.end)
    before = Q(ordered_at__gte=previous.start, ordered_at__lt=previous.end)
    rows = (
        Order.objects.filter(reseller__isnull=False)
        .filter(now | before)
        .values("reseller_id")
        .annotate(
            revenue=Sum(base_amount(), filter=now),
            previous=Sum(base_amount(), filter=before),
            orders=Count("id", filter=now & Q(amount__gte=0)),
            served=Count("customer_id", filter=now, distinct=True),
        )
        .order_by()
    )
    figures = {r["reseller_id"]: r for r in rows}
    who = {
        pk: (external_id, name)
        for pk, external_id, name in Customer.objects.filter(pk__in=list(figures)).values_list(
            "pk", "external_id", "name"
        )
    }
    ranked = sorted(
        figures.values(), key=lambda r: (-(r["revenue"] or 0.0), who[r["reseller_id"]][0])
    )
    return Resellers(
        previous_from=previous.date_from,
        previous_to=previous.date_to,
        rows=tuple(
            ResellerRow(
                rank=rank,
                reseller_id=who[r["reseller_id"]][0],
                name=who[r["reseller_id"]][1],
                revenue=float(r["revenue"] or 0.0),
                previous_revenue=float(r["previous"] or 0.0),
                growth=(r["revenue"] or 0.0) / r["previous"] - 1.0 if r["previous"] else None,
                orders=r["orders"],
                customers_served=r["served"],
            )
            for rank, r in enumerate(ranked, start=1)
        ),
    )
