"""The acquisition page's figures (SPEC §1.7): who was acquired, month by month, through which
channel and campaign, at what cost and value; how the leads of the period moved through the
pipeline; and how the acquired customers bought again.

Nothing is defined twice: the per-channel and per-campaign figures are `acquisition_compute`'s
(the same as `daur kpi`), the cohorts `cohort_retention_compute`'s, the lead conversion and time
in stage the pipeline's `stage_flows_by_source`. This module only narrows them to a scope and
adds the monthly series.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncMonth

from daur import vocabulary
from daur.insights.acquisition import (
    WHOLE_BASE,
    Acquisition,
    Scope,
    acquired_in,
    acquisition_compute,
    acquisition_totals,
    ratio,
)
from daur.insights.kpi_cohorts import CohortRetention, cohort_retention_compute
from daur.insights.period import Period, local_day
from daur.leads.flow import StageFlow, no_flow, stage_flows_by_source
from daur.leads.models import Lead


@dataclass(frozen=True)
class Month:
    month: date  # its first day
    acquired: int


@dataclass(frozen=True)
class LeadFunnel:
    """The leads created in the period through one channel ("" = every channel)."""

    channel: str
    leads: int
    won: int
    lost: int
    flows: tuple[StageFlow, ...]  # per open stage: left it, went forward, median days in it

    @property
    def open(self) -> int:
        return self.leads - self.won - self.lost

    @property
    def win_rate(self) -> float | None:
        """Of the closed leads, the share won."""
        return ratio(self.won, self.won + self.lost)


@dataclass(frozen=True)
class AcquisitionPage:
    period: Period
    scope: Scope
    base_currency: str
    acquisition: Acquisition
    cost: float | None  # what the period's customers acquired by costed campaigns carry
    cost_acquired: int  # those customers
    cac: float | None
    first_order_avg: float | None  # over the acquired who have ordered
    clv_avg: float | None  # over the acquired with a predicted CLV
    clv_to_cac: float | None
    months: tuple[Month, ...]
    funnel: LeadFunnel
    funnel_by_channel: tuple[LeadFunnel, ...]
    cohorts: CohortRetention

    @property
    def empty(self) -> bool:
        return not self.acquisition.acquired and not self.funnel.leads

    @property
    def month_max(self) -> int:
        return max([m.acquired for m in self.months] + [0])


def acquisition_page_compute(*, period: Period, scope: Scope = WHOLE_BASE) -> AcquisitionPage:
    acquisition = acquisition_compute(period=period, scope=scope)
    cost, cost_acquired, cac = acquisition_totals(acquisition)
    rows = acquisition.by_channel
    first_order_avg = ratio(sum(r.first_order_value for r in rows), sum(r.buyers for r in rows))
    scored = sum(r.scored for r in rows)
    clv_avg = ratio(sum(r.predicted_clv or 0.0 for r in rows), scored) if scored else None
    leads = Lead.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    if scope.owner_id is not None:
        leads = leads.filter(owner_id=scope.owner_id)
    if scope.channel:
        leads = leads.filter(source=scope.channel)
    funnels = _funnels(leads)
    return AcquisitionPage(
        period=period,
        scope=scope,
        base_currency=settings.DAUR_DEFAULT_CURRENCY,
        acquisition=acquisition,
        cost=cost,
        cost_acquired=cost_acquired,
        cac=cac,
        first_order_avg=first_order_avg,
        clv_avg=clv_avg,
        clv_to_cac=ratio(clv_avg, cac),
        months=_months(period, scope),
        funnel=funnels[0],
        funnel_by_channel=tuple(funnels[1:]),
        cohorts=cohort_retention_compute(period=period, orders=scope.of("customer__")),
    )


def _months(period: Period, scope: Scope) -> tuple[Month, ...]:
    """Customers acquired in each calendar month of the period (business time zone)."""
    rows = (
        acquired_in(period, scope)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[date, int] = {}
    for row in rows:
        day = local_day(row["month"]).replace(day=1)
        counts[day] = counts.get(day, 0) + row["n"]
    months, day = [], period.date_from.replace(day=1)
    while day <= period.date_to:
        months.append(Month(day, counts.get(day, 0)))
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return tuple(months)


def _funnels(leads) -> list[LeadFunnel]:  # noqa: ANN001 - a QuerySet of leads
    """Every channel together first, then each channel with leads, most leads first: one query
    for the leads per channel and stage, one for the flows of the whole and of each channel."""
    counts: dict[str, dict[str, int]] = {}
    for row in leads.values("source", "stage").annotate(n=Count("id")).order_by():
        counts.setdefault(row["source"], {})[row["stage"]] = row["n"]
    flows = stage_flows_by_source(leads) if counts else {}

    def funnel(channel: str, stages: dict[str, int]) -> LeadFunnel:
        return LeadFunnel(
            channel=channel,
            leads=sum(stages.values()),
            won=stages.get("won", 0),
            lost=stages.get("lost", 0),
            flows=tuple(flows.get(channel) or no_flow()),
        )

    total: dict[str, int] = {}
    for stages in counts.values():
        for stage, n in stages.items():
            total[stage] = total.get(stage, 0) + n
    by_channel = [
        funnel(channel, counts[channel])
        for channel in vocabulary.ACQUISITION_CHANNELS
        if channel in counts
    ]
    by_channel.sort(key=lambda f: (-f.leads, f.channel))
    return [funnel("", total), *by_channel]
