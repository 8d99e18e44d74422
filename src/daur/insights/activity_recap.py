"""The sales-activity recap: per rep and period, activities by kind, leads won and lost (with
reasons), the open pipeline by stage and the customers touched.

A fixed number of grouped queries whatever the number of reps. Who a figure belongs to:
- an activity: its user; done activities count by kind, planned ones (not done) apart;
- a won or lost lead: the user of its last stage change (the lead's owner when that change has
  no user), placed in the period by that change's time; only a lead still won or lost counts,
  once, and a lead with no stage change on record is in no period;
- the pipeline: the owner of each open lead, now (whatever the period);
- customers touched: distinct customers with a done activity of the user in the period (the
  total counts a customer touched by two reps once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from daur import vocabulary
from daur.accounts.models import Role
from daur.engagement.models import Interaction
from daur.insights.period import Period, local_day
from daur.leads.models import Lead, LeadStageChange

PERIOD_CHOICES = ("latest", "week", "month", "last_month", "custom")


@dataclass
class RepRecap:
    user_id: int | None  # None: the total row
    name: str
    by_kind: dict[str, int] = field(default_factory=dict)  # done activities
    planned: int = 0  # activities in the period not done yet
    won: int = 0
    won_value: Decimal = Decimal(0)
    lost: int = 0
    lost_reasons: dict[str, int] = field(default_factory=dict)
    pipeline: dict[str, tuple[int, Decimal]] = field(default_factory=dict)  # stage -> (n, value)
    customers_touched: int = 0

    @property
    def activities(self) -> int:
        return sum(self.by_kind.values())

    @property
    def pipeline_leads(self) -> int:
        return sum(n for n, _ in self.pipeline.values())

    @property
    def pipeline_value(self) -> Decimal:
        return sum((v for _, v in self.pipeline.values()), Decimal(0))

    @property
    def win_rate(self) -> float | None:
        return self.won / (self.won + self.lost) if self.won + self.lost else None


@dataclass(frozen=True)
class ActivityRecap:
    period: Period
    kinds: tuple[str, ...]  # the kinds with an activity in the period, in the vocabulary's order
    reps: tuple[RepRecap, ...]
    total: RepRecap


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return (month_start(day) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def latest_activity_day() -> date | None:
    """The local day of the latest done activity with a user, if any."""
    latest = Interaction.objects.filter(user__isnull=False, done=True).aggregate(
        at=Max("occurred_at")
    )["at"]
    return local_day(latest) if latest else None


def named_period(name: str, *, today: date | None = None) -> Period:
    """A named period of whole local days: this week (from Monday), this month, last month, or
    the month of the latest done activity (this month when there is none)."""
    today = today or local_day(timezone.now())
    if name == "week":
        return Period(today - timedelta(days=today.weekday()), today)
    if name == "last_month":
        last = month_start(today) - timedelta(days=1)
        return Period(month_start(last), last)
    if name == "latest":
        latest = latest_activity_day()
        if latest is not None and latest < month_start(today):
            return Period(month_start(latest), month_end(latest))
    return Period(month_start(today), today)


def _in(period: Period, column: str) -> Q:
    return Q(**{f"{column}__gte": period.start, f"{column}__lt": period.end})


def _only(queryset: QuerySet, column: str, user_ids: Iterable[int] | None) -> QuerySet:
    return queryset if user_ids is None else queryset.filter(**{f"{column}__in": user_ids})


def _closed_leads(period: Period, user_ids: list[int] | None) -> QuerySet:
    """The last stage change of each lead still won or lost, made in the period, with its rep."""
    last = (
        LeadStageChange.objects.filter(lead=OuterRef("lead"))
        .order_by("-changed_at", "-pk")
        .values("pk")[:1]
    )
    changes = LeadStageChange.objects.filter(
        _in(period, "changed_at"),
        to_stage__in=vocabulary.CLOSED_LEAD_STAGES,
        lead__stage=F("to_stage"),
        pk=Subquery(last),
    ).annotate(rep=Coalesce("user_id", "lead__owner_id"))
    return (
        _only(changes, "rep", user_ids)
        .filter(rep__isnull=False)
        .values("rep", "to_stage", "lead__lost_reason")
        .annotate(n=Count("lead_id"), value=Sum("lead__expected_value"))
        .order_by()
    )


def activity_recap_compute(*, period: Period, user_ids: list[int] | None = None) -> ActivityRecap:
    """The recap of every rep (sales reps, and anyone else with a figure), or of `user_ids`."""
    activities = _only(
        Interaction.objects.filter(_in(period, "occurred_at"), user__isnull=False), "user_id",
        user_ids,
    )
    kind_rows = activities.values("user_id", "kind", "done").annotate(n=Count("id")).order_by()
    touched = activities.filter(done=True, customer__isnull=False)
    touched_rows = touched.values("user_id").annotate(n=Count("customer_id", distinct=True))
    touched_total = touched.aggregate(n=Count("customer_id", distinct=True))["n"]
    pipeline_rows = (
        _only(Lead.objects.filter(stage__in=vocabulary.OPEN_LEAD_STAGES), "owner_id", user_ids)
        .filter(owner__isnull=False)
        .values("owner_id", "stage")
        .annotate(n=Count("id"), value=Sum("expected_value"))
        .order_by()
    )
    closed_rows = _closed_leads(period, user_ids)

    reps: dict[int, RepRecap] = {}
    total = RepRecap(user_id=None, name="")

    def rep(user_id: int) -> RepRecap:
        return reps.setdefault(user_id, RepRecap(user_id=user_id, name=""))

    kinds: set[str] = set()
    for row in kind_rows:
        for recap in (rep(row["user_id"]), total):
            if row["done"]:
                recap.by_kind[row["kind"]] = recap.by_kind.get(row["kind"], 0) + row["n"]
            else:
                recap.planned += row["n"]
        if row["done"]:
            kinds.add(row["kind"])
    for row in touched_rows.order_by():
        rep(row["user_id"]).customers_touched = row["n"]
    total.customers_touched = touched_total
    for row in pipeline_rows:
        value = row["value"] or Decimal(0)
        for recap in (rep(row["owner_id"]), total):
            n, v = recap.pipeline.get(row["stage"], (0, Decimal(0)))
            recap.pipeline[row["stage"]] = (n + row["n"], v + value)
    for row in closed_rows:
        for recap in (rep(row["rep"]), total):
            if row["to_stage"] == "won":
                recap.won += row["n"]
                recap.won_value += row["value"] or Decimal(0)
            else:
                reason = row["lead__lost_reason"] or ""
                recap.lost += row["n"]
                recap.lost_reasons[reason] = recap.lost_reasons.get(reason, 0) + row["n"]

    users = get_user_model().objects.filter(
        Q(pk__in=list(reps))
        | (Q(role=Role.SALES_REP, is_active=True) if user_ids is None else Q(pk__in=user_ids))
    )
    rows = []
    for user in users:
        recap = rep(user.pk)
        recap.name = user.get_full_name() or user.get_username()
        rows.append(recap)
    rows.sort(key=lambda r: (r.name.casefold(), r.user_id))
    return ActivityRecap(
        period=period,
        kinds=tuple(k for k in vocabulary.INTERACTION_KINDS if k in kinds),
        reps=tuple(rows),
        total=total,
    )
