"""The dashboard: the figures stored with the last scoring run (daur.insights.dashboard_figures),
folded for the user's scope; active customers and NPS counted by their definitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from daur.accounts.models import User
from daur.analytics.rfm import SEGMENT_GRID
from daur.analytics.strategy import STRATEGIES
from daur.customers.access import sees_all_customers
from daur.customers.models import Customer
from daur.db.compiled import CompiledValues
from daur.definitions.currency import to_base
from daur.definitions.customers import active_of_stages
from daur.definitions.surveys import nps_counts_of_histogram
from daur.insights.dashboard_figures import (
    CLV_BUCKETS_PER_DECADE,
    FACTS_VERSION,
    FUNNEL_STAGES,
    dashboard_facts_compute,
    dashboard_facts_of,
    dashboard_facts_since,
    dashboard_window,
    facts_fold,
)
from daur.insights.models import Alert, DashboardFacts, ScoringRun
from daur.web.selectors import base_counts

MAX_ALERTS = 8
ID_BATCH = 900


@dataclass(frozen=True)
class FunnelRow:
    """A stage of the funnel: the customers in it now, those who ever reached it or a later one,
    and of the customers who reached the previous stage, the share who reached this one."""

    stage: str
    now: int
    reached: int
    conversion: float | None  # reached / the previous stage's reached (<= 1); none for the first


@dataclass(frozen=True)
class ChannelRow:
    """One channel over the 12 months up to the as-of date (every column the same period)."""

    channel: str
    customers: int  # acquired in the 12 months, by their `acquired_via`
    campaign_cost: float  # the cost those of them acquired by costed campaigns carry
    campaign_customers: int  # acquired in the 12 months by a costed campaign of this channel
    cac: float | None
    clv_avg: float | None
    clv_to_cac: float | None


@dataclass(frozen=True)
class AlertRow:
    """An open alert, and for a sales rep how many of the customers behind it are the rep's
    (None for a user who sees every customer)."""

    alert: Alert
    yours: int | None = None


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
    cac: float | None  # over the same 12 months as the channel table
    nps: float | None
    nps_answers: int
    funnel: list[FunnelRow]
    inactive: list[tuple[str, int]]
    rfm_grid: list[list[tuple[int, int, int, str]]]  # rows R=5..1 of (r, f, count, segment)
    rfm_max: int
    clv_histogram: list[tuple[float, float, int]]  # (from, to, count), log-spaced
    clv_zero: int  # customers with a CLV below 1 (zero, or no future margin)
    strategies: list[tuple[str, int]]
    channels: list[ChannelRow]
    channels_from: date  # the channel table's (and the CAC's) first day; the last is as_of
    alerts: list[AlertRow] = field(default_factory=list)
    alerts_scoped: bool = False  # the alerts are those about a sales rep's customers
    counts: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def funnel_max(self) -> int:
        return max([row.reached for row in self.funnel] + [n for _, n in self.inactive] + [0])

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
        ScoringRun.objects.filter(status__in=ScoringRun.SCORES_STORED, as_of__isnull=False)
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
    key = f"daur:dashboard:v{FACTS_VERSION}:{_scope_key(user)}:{run.pk if run else 0}:{as_of}"
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
    converted = {c: to_base(t, c, base_currency) for c, t in revenue_by_currency.items()}
    revenue_base = sum(v for v in converted.values() if v is not None)
    nps = nps_counts_of_histogram(d["nps"])
    stages, buckets = d["stages"], {int(k): n for k, n in d["buckets"].items()}
    rfm = {tuple(int(x) for x in k.split(",")): n for k, n in d["rfm"].items()}
    channels, cac = _channels(d["recent"], d["campaigns"])
    _, year_ago, _ = dashboard_window(as_of)
    return Dashboard(
        as_of=as_of,
        scored=bool(d["scored"]),
        base_currency=base_currency,
        customers=d["customers"],
        new_customers=d["new"],
        active=active_of_stages(d["stages"]),
        revenue_base=revenue_base,
        revenue_by_currency=revenue_by_currency,
        revenue_unconverted=sorted(c for c, v in converted.items() if v is None),
        clv_total=d["clv"],
        cac=cac,
        nps=nps.nps,
        nps_answers=nps.answers,
        funnel=_funnel(stages, d["furthest"]),
        inactive=[(s, stages.get(s, 0)) for s in ("lapsed", "lost")],
        rfm_grid=_rfm_grid(rfm),
        rfm_max=max(rfm.values(), default=0),
        clv_histogram=_histogram(buckets),
        clv_zero=buckets.get(-1, 0),
        strategies=[(s, d["strategies"].get(s, 0)) for s in STRATEGIES],
        channels=channels,
        channels_from=timezone.localtime(year_ago).date(),
        alerts=_alerts(owner_id) if scope is not None else [],
        alerts_scoped=owner_id is not None,
        counts=[] if d["scored"] else base_counts(),
    )


def settings_currency() -> str:
    return getattr(settings, "DAUR_DEFAULT_CURRENCY", "IDR")


def _last_run_currency() -> QuerySet:
    """dashboard_as_of's run, its currency alone."""
    runs = ScoringRun.objects.filter(status__in=ScoringRun.SCORES_STORED, as_of__isnull=False)
    return runs.order_by(*ScoringRun._meta.ordering).values("base_currency")[:1]


# Every lead page asks: composed once per process (daur.db.compiled).
LAST_RUN_CURRENCY = CompiledValues(lambda shape: _last_run_currency(), {}, "web.base_currency")


def base_currency(run: ScoringRun | None = None) -> str:
    """The currency scores are in: the last successful run's (`run`, else looked up), else the
    configured default."""
    if run is None:
        found = LAST_RUN_CURRENCY.rows("one")
        return found[0]["base_currency"] if found else settings_currency()
    return run.base_currency


def _funnel(stages: dict[str, int], furthest: dict[str, int]) -> list[FunnelRow]:
    """The "reached at least" funnel: a stage's `reached` counts the customers whose furthest
    stage is it or a later one, so each row is at most the previous and its conversion a share."""
    rows, later = [], 0
    reached = {}
    for stage in reversed(FUNNEL_STAGES):
        later += furthest.get(stage, 0)
        reached[stage] = later
    previous = None
    for stage in FUNNEL_STAGES:
        n = reached[stage]
        share = n / previous if previous else None
        rows.append(FunnelRow(stage, stages.get(stage, 0), n, share))
        previous = n
    return rows


def _alerts(owner_id: int | None) -> list[AlertRow]:
    """The open alerts; for a sales rep, those with some of the rep's customers among the
    customers behind them, each with how many."""
    alerts = Alert.objects.filter(status=Alert.Status.OPEN)
    if owner_id is None:
        return [AlertRow(alert) for alert in alerts[:MAX_ALERTS]]
    alerts = [alert for alert in alerts if alert.customers]
    behind = sorted({external_id for alert in alerts for external_id in alert.customers})
    yours: set[str] = set()
    for start in range(0, len(behind), ID_BATCH):  # SQLite's limit on a query's parameters
        yours.update(
            Customer.objects.filter(
                owner_id=owner_id, external_id__in=behind[start : start + ID_BATCH]
            ).values_list("external_id", flat=True)
        )
    rows = []
    for alert in alerts:
        n = sum(external_id in yours for external_id in alert.customers)
        if n:
            rows.append(AlertRow(alert, n))
    return rows[:MAX_ALERTS]


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


def _channels(recent: dict, campaigns: dict) -> tuple[list[ChannelRow], float | None]:
    """Per acquisition channel, over the 12 months: customers acquired (with their mean CLV),
    those acquired by costed campaigns and the cost they carry, CAC and CLV:CAC; and the CAC of
    all of them (docs/kpis.md)."""
    rows = []
    for channel in sorted(set(recent) | set(campaigns)):
        n, clv_sum, clv_n = recent.get(channel, (0, 0.0, 0))
        clv_avg = clv_sum / clv_n if clv_n else None
        won, spent = campaigns.get(channel, (0, 0.0))
        cac = spent / won if won else None
        ratio = clv_avg / cac if clv_avg is not None and cac else None
        rows.append(ChannelRow(channel, n, spent, won, cac, clv_avg, ratio))
    rows.sort(key=lambda row: (-row.customers, -row.campaign_customers, row.channel))
    total_won = sum(won for won, _ in campaigns.values())
    total_cost = sum(spent for _, spent in campaigns.values())
    return rows, (total_cost / total_won if total_won else None)
