"""The KPIs of SPEC §1.7 over a period: `kpis_compute` reads, aggregates in SQL, writes nothing.

Every figure is a GROUP BY (or a correlated subquery the database runs) over the whole period —
never a query per customer. Amounts are in the base currency (settings DAUR_DEFAULT_CURRENCY).
The exact definitions are in docs/kpis.md; each function below says which one it implements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from daur.customers.models import Customer
from daur.definitions.currency import base_amount
from daur.definitions.customers import (
    ACTIVE_STAGES,
    INACTIVE_STAGES,
    active_by_orders_count,
    active_count,
    active_order_days,
)
from daur.insights.acquisition import Acquisition, acquisition_compute, ratio
from daur.insights.kpi_activity import (
    Resellers,
    SalesActivity,
    Service,
    resellers_compute,
    sales_activity_compute,
    service_compute,
)
from daur.insights.kpi_cohorts import CohortRetention, cohort_retention_compute
from daur.insights.kpi_service import (
    ServiceDesk,
    period_tickets,
    service_desk_compute,
    ticket_timings,
)
from daur.insights.models import CustomerScore, StageChange
from daur.insights.period import Period, day_start, local_day, raw_rows
from daur.sales.models import Order


@dataclass(frozen=True)
class Retention:
    active_customers: int
    # "stages" (in an active stage in the scores) or "orders" (none scored: bought in the
    # rules' lost_days); daur.definitions.customers
    active_basis: str
    buyers: int  # customers with an order in the period
    repeat_buyers: int  # of them, those with two or more
    repeat_purchase_rate: float | None
    churn_basis: str  # "stage_changes" or "orders"
    churn_base: int  # customers active at the start of the period
    churned: int  # of them, those who became lapsed or lost during it
    churn_rate: float | None
    regained: int  # regained stage changes in the period
    cohorts: CohortRetention  # by first-purchase month in the period: who bought again, when


@dataclass(frozen=True)
class SegmentValue:
    name: str  # "" = none (a customer without orders has no RFM segment)
    customers: int
    predicted_clv: float


@dataclass(frozen=True)
class Value:
    revenue: float  # net of refunds
    orders: int  # non-negative orders
    scores_as_of: date | None
    scored_customers: int
    predicted_clv: float | None  # sum of clv_12m over the base
    rfm_segments: tuple[SegmentValue, ...]
    strategies: tuple[SegmentValue, ...]


@dataclass(frozen=True)
class Kpis:
    period: Period
    base_currency: str
    acquisition: Acquisition
    retention: Retention
    value: Value
    service: Service
    sales: SalesActivity
    resellers: Resellers
    service_desk: ServiceDesk | None = None  # per priority and agent, SLA attainment, backlog


def kpis_compute(*, date_from: date | None = None, date_to: date | None = None) -> Kpis:
    """All the KPIs over [date_from, date_to] (both days included).

    Default: the 12 months up to the latest order's day (today when there is no order).
    """
    period = period_resolve(date_from=date_from, date_to=date_to)
    timings = ticket_timings(period_tickets(period))  # one pass for both service figures
    return Kpis(
        period=period,
        base_currency=settings.DAUR_DEFAULT_CURRENCY,
        acquisition=acquisition_compute(period=period),
        retention=retention_compute(period=period),
        value=value_compute(period=period),
        service=service_compute(period=period, timings=timings),
        sales=sales_activity_compute(period=period),
        resellers=resellers_compute(period=period),
        service_desk=service_desk_compute(period=period, now=timezone.now(), timings=timings),
    )


def period_resolve(*, date_from: date | None, date_to: date | None) -> Period:
    if date_to is None:
        latest = Order.objects.aggregate(latest=Max("ordered_at"))["latest"]
        date_to = local_day(latest) if latest else date.today()
    if date_from is None:
        date_from = _year_before(date_to) + timedelta(days=1)
    if date_from > date_to:
        raise ValueError(f"the period starts ({date_from}) after it ends ({date_to})")
    return Period(date_from=date_from, date_to=date_to)


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# Retention ---------------------------------------------------------------------------------------


def retention_compute(*, period: Period) -> Retention:
    if CustomerScore.objects.exists():
        active_basis = "stages"
        active = active_count(CustomerScore.objects.all())
    else:
        active_basis = "orders"
        since = day_start(period.date_to - timedelta(days=active_order_days() - 1))
        active = active_by_orders_count(Order.objects.all(), start=since, end=period.end)
    [(buyers, repeat_buyers)] = raw_rows(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END), 0) FROM "
        "(SELECT customer_id, COUNT(*) AS n FROM sales_order WHERE ordered_at >= %s "
        "AND ordered_at < %s AND amount >= 0 GROUP BY customer_id) buyers",
        [period.start, period.end],
    )
    churn_basis, churn_base, churned = _churn(period)
    regained = StageChange.objects.filter(
        regained=True, changed_on__gte=period.date_from, changed_on__lte=period.date_to
    ).count()
    return Retention(
        active_customers=active,
        active_basis=active_basis,
        buyers=buyers,
        repeat_buyers=repeat_buyers,
        repeat_purchase_rate=ratio(repeat_buyers, buyers),
        churn_basis=churn_basis,
        churn_base=churn_base,
        churned=churned,
        churn_rate=ratio(churned, churn_base),
        regained=regained,
        cohorts=cohort_retention_compute(period=period),
    )


def _churn(period: Period) -> tuple[str, int, int]:
    """(basis, customers active at the start, of them churned during the period).

    From the stage history when a scoring run recorded stages before the period; otherwise from
    orders: bought in the year before the period and not in it.
    """
    history = StageChange.objects.filter(changed_on__lt=period.date_from)
    if history.exists():
        stage_at_start = Subquery(
            history.filter(customer=OuterRef("pk"))
            .order_by("-changed_on", "-id")
            .values("to_stage")[:1]
        )
        churned = StageChange.objects.filter(
            customer=OuterRef("pk"),
            changed_on__gte=period.date_from,
            changed_on__lte=period.date_to,
            to_stage__in=INACTIVE_STAGES,
        )
        figures = (
            Customer.objects.annotate(stage=stage_at_start)
            .filter(stage__in=ACTIVE_STAGES)
            .aggregate(base=Count("pk"), churned=Count("pk", filter=Exists(churned)))
        )
        return "stage_changes", figures["base"], figures["churned"]
    year_before = day_start(_year_before(period.date_from))
    bought_before = Order.objects.filter(
        customer=OuterRef("pk"),
        ordered_at__gte=year_before,
        ordered_at__lt=period.start,
        amount__gte=0,
    )
    bought_during = Order.objects.filter(
        customer=OuterRef("pk"),
        ordered_at__gte=period.start,
        ordered_at__lt=period.end,
        amount__gte=0,
    )
    figures = (
        Customer.objects.filter(Exists(bought_before))
        .aggregate(base=Count("pk"), churned=Count("pk", filter=~Exists(bought_during)))
    )
    return "orders", figures["base"], figures["churned"]


# Value -------------------------------------------------------------------------------------------


def value_compute(*, period: Period) -> Value:
    in_period = Order.objects.filter(ordered_at__gte=period.start, ordered_at__lt=period.end)
    totals = in_period.aggregate(
        revenue=Sum(base_amount()), orders=Count("id", filter=Q(amount__gte=0))
    )
    scores = CustomerScore.objects.all()
    base = scores.aggregate(
        n=Count("customer_id"), clv=Sum("clv_12m"), scored=Count("clv_12m"), as_of=Max("as_of")
    )
    return Value(
        revenue=float(totals["revenue"] or 0.0),
        orders=totals["orders"],
        scores_as_of=base["as_of"],
        scored_customers=base["n"],
        predicted_clv=None if not base["scored"] else float(base["clv"]),
        rfm_segments=_distribution("rfm_segment"),
        strategies=_distribution("strategy"),
    )


def _distribution(field: str) -> tuple[SegmentValue, ...]:
    rows = (
        CustomerScore.objects.values(field)
        .annotate(customers=Count("customer_id"), clv=Sum("clv_12m"))
        .order_by()
    )
    values = [
        SegmentValue(name=r[field], customers=r["customers"], predicted_clv=float(r["clv"] or 0.0))
        for r in rows
    ]
    return tuple(sorted(values, key=lambda v: (-v.predicted_clv, -v.customers, v.name)))
