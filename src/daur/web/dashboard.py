"""The dashboard: the figures stored with the last scoring run, folded for the user's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

from daur.accounts.models import User
from daur.analytics.rfm import SEGMENT_GRID
from daur.analytics.strategy import STRATEGIES
from daur.campaigns.models import Campaign
from daur.customers.selectors import sees_all_customers
from daur.insights.models import Alert, ScoringRun
from daur.web.dashboard_facts import (
    CLV_BUCKETS_PER_DECADE,
    dashboard_facts_compute,
    dashboard_facts_of,
    dashboard_facts_since,
    facts_fold,
)
from daur.web.models import DashboardFacts
from daur.web.selectors import base_counts

FUNNEL_STAGES = ("reaching", "acquisition", "conversion", "retention", "inspiration")


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
    # Not the fits, cut-offs and configuration: every page asks, none of them reads those.
    run = (
        ScoringRun.objects.filter(status=ScoringRun.Status.SUCCEEDED, as_of__isnull=False)
        .only("as_of", "base_currency", "started_at")
        .first()
    )
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
    result = _assemble(user=user, as_of=as_of, run=run)
    if seconds:
        cache.set(key, result, seconds)
    return result


def _assemble(*, user: User, as_of: date, run: ScoringRun | None) -> Dashboard:
    """The figures of the owners the user may see: stored with the run, plus what came since."""
    if not user.is_authenticated or not user.is_active:
        owner_id, scope = None, None
    elif sees_all_customers(user):
        owner_id, scope = None, DashboardFacts.ALL
    else:
        owner_id, scope = user.pk, str(user.pk)
    if scope is None:
        d = facts_fold({}, None)
    elif run is not None:
        facts = dashboard_facts_of(run, scope=scope)
        since = dashboard_facts_since(facts, owner_id=owner_id)
        d = facts_fold({"run": facts["figures"], **since}, None)
    else:  # not scored yet: a direct count, cached like the rest
        owners = dashboard_facts_compute(as_of=as_of)["owners"]
        d = facts_fold(owners, None if owner_id is None else [scope])
    base_currency = run.base_currency if run else settings_currency()
    revenue_by_currency = dict(sorted(d["revenue"].items()))
    rates = {base_currency: 1.0, **getattr(settings, "DAUR_EXCHANGE_RATES", {})}
    rates[base_currency] = 1.0
    revenue_base = sum(t * rates[c] for c, t in revenue_by_currency.items() if c in rates)
    n_nps, promoters, detractors = d["nps"]
    stages, buckets = d["stages"], {int(k): n for k, n in d["buckets"].items()}
    rfm = {tuple(int(x) for x in k.split(",")): n for k, n in d["rfm"].items()}
    channels, cac = _channels(d["recent"], d["acquired"])
    return Dashboard(
        as_of=as_of,
        scored=bool(d["scored"]),
        base_currency=base_currency,
        customers=d["customers"],
        new_customers=d["new"],
        active=d["active"],
        revenue_base=revenue_base,
        revenue_by_currency=revenue_by_currency,
        revenue_unconverted=sorted(c for c in revenue_by_currency if c not in rates),
        clv_total=d["clv"],
        cac=cac,
        nps=100.0 * (promoters - detractors) / n_nps if n_nps else None,
        nps_answers=n_nps,
        funnel=_funnel(stages),
        inactive=[(s, stages.get(s, 0)) for s in ("lapsed", "lost")],
        rfm_grid=_rfm_grid(rfm),
        rfm_max=max(rfm.values(), default=0),
        clv_histogram=_histogram(buckets),
        clv_zero=buckets.get(-1, 0),
        strategies=[(s, d["strategies"].get(s, 0)) for s in STRATEGIES],
        channels=channels,
        alerts=list(Alert.objects.filter(status=Alert.Status.OPEN)[:8]),
        counts=[] if d["scored"] else base_counts(),
    )


def settings_currency() -> str:
    return getattr(settings, "DAUR_DEFAULT_CURRENCY", "IDR")


def base_currency(run: ScoringRun | None = None) -> str:
    """The currency scores are in: the last successful run's (`run`, else looked up), else the
    configured default."""
    if run is None:
        _, run = dashboard_as_of()
    return run.base_currency if run else settings_currency()


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


def _channels(recent: dict, acquired: dict) -> tuple[list[ChannelRow], float | None]:
    """Per acquisition channel: customers of the last 12 months, campaign cost, CAC, CLV:CAC."""
    cost = (
        Campaign.objects.filter(purpose="acquisition")
        .values("channel")
        .annotate(cost=Sum("cost"))
        .order_by()
    )
    by_cost = {row["channel"]: float(row["cost"] or 0) for row in cost}
    rows = []
    for channel in sorted(set(recent) | set(acquired) | set(by_cost)):
        n, clv_sum, clv_n = recent.get(channel, (0, 0.0, 0))
        clv_avg = clv_sum / clv_n if clv_n else None
        won, spent = acquired.get(channel, 0), by_cost.get(channel, 0.0)
        cac = spent / won if won and spent else None
        ratio = clv_avg / cac if clv_avg is not None and cac else None
        rows.append(ChannelRow(channel, n, spent, won, cac, clv_avg, ratio))
    rows.sort(key=lambda row: -row.customers)
    total_won, total_cost = sum(acquired.values()), sum(by_cost.values())
    cac = total_cost / total_won if total_won and total_cost else None
    return rows, cac
