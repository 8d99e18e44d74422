"""The dashboard's numbers: a handful of GROUP BY queries over the base, cached per user scope."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, FloatField, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Cast, Floor, Log
from django.utils import timezone

from daur.accounts.models import User
from daur.analytics.lifecycle import ACTIVE_STAGES
from daur.analytics.rfm import SEGMENT_GRID
from daur.analytics.strategy import STRATEGIES
from daur.campaigns.models import Campaign
from daur.customers.selectors import customers_visible_to, sees_all_customers
from daur.insights.models import Alert, CustomerScore, ScoringRun
from daur.sales.models import Order
from daur.surveys.models import SurveyAnswer
from daur.web.selectors import base_counts

FUNNEL_STAGES = ("reaching", "acquisition", "conversion", "retention", "inspiration")
CLV_BUCKETS_PER_DECADE = 4
P_ALIVE_ACTIVE = 0.5


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    customers: int  # acquired in the last 12 months
    campaign_cost: float
    campaign_customers: int  # ever acquired with a campaign of this channel
    cac: float | None
    clv_avg: float | None
    clv_to_cac: float | None


@dataclass(frozen=True)
class Dashboard:
    as_of: date
    scored: bool
    base_currency: str
    customers: int
    new_customers: int
    active: int
    revenue_base: float  # in the base currency, the base-currency orders plus converted others
    revenue_by_currency: dict[str, float]  # as recorded, one entry per currency
    revenue_unconverted: list[str]  # currencies with no exchange rate: left out of revenue_base
    clv_total: float
    cac: float | None
    nps: float | None
    nps_answers: int
    funnel: list[tuple[str, int, float | None]]  # stage, count, share of the previous stage
    inactive: list[tuple[str, int]]
    rfm_grid: list[list[tuple[int, int, int, str]]]  # rows R=5..1 of (r, f, count, segment)
    rfm_max: int
    clv_histogram: list[tuple[float, float, int]]  # (from, to, count), log-spaced
    clv_zero: int  # customers with a CLV below 1 (zero, or no future margin)
    strategies: list[tuple[str, int]]
    channels: list[ChannelRow]
    alerts: list[Alert] = field(default_factory=list)
    counts: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def funnel_max(self) -> int:
        return max([n for _, n, _ in self.funnel] + [n for _, n in self.inactive] + [0])

    @property
    def clv_max(self) -> int:
        return max([n for _, _, n in self.clv_histogram] + [0])

    @property
    def clv_bars(self) -> list[dict]:
        """The histogram's bars in the SVG's coordinates (470 x 170 plot area)."""
        count, top = len(self.clv_histogram), self.clv_max or 1
        width = 470 / count if count else 0
        bars = []
        for i, (low, high, n) in enumerate(self.clv_histogram):
            height = round(170 * n / top, 1)
            bars.append(
                {"x": round(42 + i * width, 1), "y": 180 - height, "w": round(width - 2, 1),
                 "h": height, "low": low, "high": high, "n": n,
                 "tick": i % CLV_BUCKETS_PER_DECADE == 0}
            )
        return bars

    @property
    def channel_max(self) -> int:
        return max([row.customers for row in self.channels] + [0])


def dashboard_as_of() -> tuple[date, ScoringRun | None]:
    """The latest successful scoring run's as-of date, else today."""
    run = ScoringRun.objects.filter(status=ScoringRun.Status.SUCCEEDED, as_of__isnull=False).first()
    return (run.as_of if run else timezone.localdate()), run


def _scope_key(user: User) -> str:
    return "all" if sees_all_customers(user) else f"user{user.pk}"


def dashboard_summary(*, user: User) -> Dashboard:
    """The dashboard of what the user may see, cached for DAUR_DASHBOARD_CACHE_SECONDS."""
    as_of, run = dashboard_as_of()
    seconds = getattr(settings, "DAUR_DASHBOARD_CACHE_SECONDS", 0)
    key = f"daur:dashboard:{_scope_key(user)}:{run.pk if run else 0}:{as_of}"
    if seconds:
        cached = cache.get(key)
        if cached is not None:
            return cached
    result = _compute(user=user, as_of=as_of, run=run)
    if seconds:
        cache.set(key, result, seconds)
    return result


def _compute(*, user: User, as_of: date, run: ScoringRun | None) -> Dashboard:
    customers = customers_visible_to(user)
    scoped = not sees_all_customers(user)
    end = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))
    year_ago, month_ago = end - timedelta(days=365), end - timedelta(days=30)
    base_currency = run.base_currency if run else settings_currency()

    totals = customers.aggregate(
        n=Count("id"), new=Count("id", filter=Q(created_at__gte=month_ago, created_at__lt=end))
    )
    scores = CustomerScore.objects.all()
    if scoped:
        scores = scores.filter(customer__in=customers)
    cube = _score_cube(scores)
    revenue_by_currency, revenue_base, unconverted = _revenue(
        customers, scoped, year_ago, end, base_currency
    )
    nps, nps_answers = _nps(customers, scoped, year_ago, end)
    channels, cac = _channels(customers, year_ago, end)
    counts = [] if cube["n"] else base_counts()
    return Dashboard(
        as_of=as_of,
        scored=bool(cube["n"]),
        base_currency=base_currency,
        customers=totals["n"],
        new_customers=totals["new"],
        active=cube["active"],
        revenue_base=revenue_base,
        revenue_by_currency=revenue_by_currency,
        revenue_unconverted=unconverted,
        clv_total=cube["clv"],
        cac=cac,
        nps=nps,
        nps_answers=nps_answers,
        funnel=_funnel(cube["stages"]),
        inactive=[(s, cube["stages"].get(s, 0)) for s in ("lapsed", "lost")],
        rfm_grid=_rfm_grid(cube["rfm"]),
        rfm_max=max(cube["rfm"].values(), default=0),
        clv_histogram=_histogram(cube["buckets"]),
        clv_zero=cube["buckets"].get(-1, 0),
        strategies=[(s, cube["strategies"].get(s, 0)) for s in STRATEGIES],
        channels=channels,
        alerts=list(Alert.objects.filter(status=Alert.Status.OPEN)[:8]),
        counts=counts,
    )


def settings_currency() -> str:
    return getattr(settings, "DAUR_DEFAULT_CURRENCY", "IDR")


def base_currency() -> str:
    """The currency scores are in: the last successful run's, else the configured default."""
    _, run = dashboard_as_of()
    return run.base_currency if run else settings_currency()


def _score_cube(scores) -> dict:
    """One scan of the scores, grouped by stage, strategy, R, F and CLV bucket, then folded."""
    rows = (
        scores.annotate(clv_bucket=_clv_bucket_expression())
        .values("lifecycle_stage", "strategy", "rfm_r", "rfm_f", "clv_bucket")
        .annotate(
            n=Count("pk"),
            clv=Sum("clv_12m"),
            active=Count(
                "pk",
                filter=Q(p_alive__gte=P_ALIVE_ACTIVE) | Q(lifecycle_stage__in=ACTIVE_STAGES),
            ),
        )
        .order_by()
    )
    out: dict = {
        "n": 0,
        "active": 0,
        "clv": 0.0,
        "stages": defaultdict(int),
        "strategies": defaultdict(int),
        "rfm": defaultdict(int),
        "buckets": defaultdict(int),
    }
    for row in rows:
        out["n"] += row["n"]
        out["active"] += row["active"]
        out["clv"] += row["clv"] or 0.0
        out["stages"][row["lifecycle_stage"]] += row["n"]
        out["strategies"][row["strategy"]] += row["n"]
        if row["rfm_r"] and row["rfm_f"]:
            out["rfm"][(row["rfm_r"], row["rfm_f"])] += row["n"]
        if row["clv_bucket"] is not None:
            out["buckets"][int(row["clv_bucket"])] += row["n"]
    return out


def _clv_bucket_expression():
    """Quarter-decade buckets of the CLV (bucket k covers 10^(k/4) to 10^((k+1)/4)); -1 below 1."""
    log_bucket = Floor(Log(10, Cast("clv_12m", FloatField())) * CLV_BUCKETS_PER_DECADE)
    return Case(
        When(clv_12m__isnull=True, then=None),
        When(clv_12m__lt=1, then=Value(-1)),
        default=Cast(log_bucket, IntegerField()),
        output_field=IntegerField(),
    )


def _funnel(stages: dict[str, int]) -> list[tuple[str, int, float | None]]:
    funnel, previous = [], None
    for stage in FUNNEL_STAGES:
        n = stages.get(stage, 0)
        funnel.append((stage, n, (n / previous) if previous else None))
        previous = n
    return funnel


def _rfm_grid(cells: dict[tuple[int, int], int]) -> list[list[tuple[int, int, int, str]]]:
    return [
        [(r, f, cells.get((r, f), 0), SEGMENT_GRID[r - 1][f - 1]) for f in range(1, 6)]
        for r in range(5, 0, -1)
    ]


def _histogram(buckets: dict[int, int]) -> list[tuple[float, float, int]]:
    keys = [k for k in buckets if k >= 0]
    if not keys:
        return []
    step = 1 / CLV_BUCKETS_PER_DECADE
    return [
        (10 ** (k * step), 10 ** ((k + 1) * step), buckets.get(k, 0))
        for k in range(min(keys), max(keys) + 1)
    ]


def _revenue(customers, scoped, start, end, base_currency):
    orders = Order.objects.filter(ordered_at__gte=start, ordered_at__lt=end)
    if scoped:
        orders = orders.filter(customer__in=customers)
    by_currency = {
        row["currency"]: float(row["total"] or Decimal(0))
        for row in orders.values("currency").annotate(total=Sum("amount")).order_by("currency")
    }
    rates = {base_currency: 1.0, **getattr(settings, "DAUR_EXCHANGE_RATES", {})}
    rates[base_currency] = 1.0
    base = sum(total * rates[c] for c, total in by_currency.items() if c in rates)
    unconverted = sorted(c for c in by_currency if c not in rates)
    return by_currency, base, unconverted


def _nps(customers, scoped, start, end) -> tuple[float | None, int]:
    answers = SurveyAnswer.objects.filter(answered_at__gte=start, answered_at__lt=end)
    if scoped:
        answers = answers.filter(customer__in=customers)
    row = answers.aggregate(
        n=Count("pk"), promoters=Count("pk", filter=Q(nps__gte=9)), detractors=Count(
            "pk", filter=Q(nps__lte=6)
        )
    )
    if not row["n"]:
        return None, 0
    return 100.0 * (row["promoters"] - row["detractors"]) / row["n"], row["n"]


def _channels(customers, start, end) -> tuple[list[ChannelRow], float | None]:
    """Per acquisition channel: customers of the last 12 months, campaign cost, CAC, CLV:CAC."""
    recent = (
        customers.filter(created_at__gte=start, created_at__lt=end)
        .exclude(acquired_via="")
        .values("acquired_via")
        .annotate(n=Count("id"), clv_sum=Sum("score__clv_12m"), clv_n=Count("score__clv_12m"))
        .order_by()
    )
    acquired = (
        customers.filter(campaign__purpose="acquisition")
        .values("campaign__channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    cost = (
        Campaign.objects.filter(purpose="acquisition")
        .values("channel")
        .annotate(cost=Sum("cost"))
        .order_by()
    )
    by_recent = {row["acquired_via"]: row for row in recent}
    by_acquired = {row["campaign__channel"]: row["n"] for row in acquired}
    by_cost = {row["channel"]: float(row["cost"] or 0) for row in cost}
    rows = []
    for channel in sorted(set(by_recent) | set(by_acquired) | set(by_cost)):
        r = by_recent.get(channel, {})
        clv_avg = (r["clv_sum"] / r["clv_n"]) if r.get("clv_n") else None
        won, spent = by_acquired.get(channel, 0), by_cost.get(channel, 0.0)
        cac = spent / won if won and spent else None
        ratio = clv_avg / cac if clv_avg is not None and cac else None
        rows.append(ChannelRow(channel, r.get("n", 0), spent, won, cac, clv_avg, ratio))
    rows.sort(key=lambda row: -row.customers)
    total_won, total_cost = sum(by_acquired.values()), sum(by_cost.values())
    cac = total_cost / total_won if total_won and total_cost else None
    return rows, cac

