"""A sales rep's day (SPEC §6): the worklist built from the strategies and the pipeline.

Three sections, each capped, with a count of what is in it up to COUNT_CAP ("200+" beyond):
- the rep's customers to protect, regain or enhance, by CLV at risk;
- the rep's open leads, by expected value x win probability;
- the overdue activities on the rep's customers and leads (or logged by the rep), oldest due
  first.
The value at stake is daur.definitions.worklist's; a customer's is stored with its score (a
generated column, `value_at_stake`, indexed for the worklist's strategies) and a lead's with its
lead score (a generated column over the win probability and the lead's expected value copied
onto the score with its owner, indexed by owner), so each section is the top of an index, not
every one of the rep's customers or leads ranked. A bounded number of queries whatever the size
of the list: each section is one ranked read and one count that stops after COUNT_CAP + 1 rows
(the overdue activities: the ids of that many rows in order, which are the count, then the
shown ones' details; the leads: one more read of those not scored yet, only when the section
has room for them), plus the last scoring run.

An item the rep marked **done** stays off the list until the next scoring run (which may put
it back, if its strategy still asks for work); one **snoozed** stays off until the moment it
was snoozed to. An overdue activity marked done is done (daur.actions.worklist completes it).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from daur import vocabulary
from daur.accounts.models import User
from daur.analytics.strategy import ACTIONS
from daur.customers.models import Customer
from daur.db import dialect
from daur.db.compiled import CompiledValues
from daur.definitions.worklist import WORKLIST_STRATEGIES
from daur.engagement.models import Interaction, WorklistMark
from daur.insights.models import LeadScore, ScoringRun
from daur.leads.models import Lead

SECTION_CAP = 50
COUNT_CAP = 200


@dataclass(frozen=True)
class WorkItem:
    kind: str  # "customer", "lead" or "activity"
    pk: int
    name: str
    value_at_stake: float | None = None
    strategy: str = ""
    reasons: str = ""
    actions: tuple[str, ...] = ()
    stage: str = ""  # a lead's
    win_probability: float | None = None
    factors: tuple = ()  # a lead score's, the largest first
    expected_value: float | None = None
    due_at: datetime | None = None  # an activity's
    activity_kind: str = ""
    note: str = ""
    party_kind: str = ""  # an activity's customer or lead
    party_pk: int | None = None


@dataclass
class Section:
    items: list[WorkItem] = field(default_factory=list)
    count: int = 0  # at most COUNT_CAP + 1

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def shown_count(self) -> int:
        return min(self.count, COUNT_CAP)

    @property
    def more(self) -> int:
        return max(self.shown_count - len(self.items), 0)


@dataclass
class Worklist:
    rep: User
    customers: Section
    leads: Section
    activities: Section

    @property
    def empty(self) -> bool:
        return not (self.customers.count or self.leads.count or self.activities.count)


def done_since(now: datetime) -> datetime:
    """A mark done at or after this moment still hides its item: the start of the last scoring
    run that stored scores (no run: every done mark hides)."""
    found = _rows(LAST_RUN_STARTED, "one")
    started = found[0]["started_at"] if found else None
    return started or datetime.min.replace(tzinfo=now.tzinfo)


def _hidden(rep_id: int, kind: str, *, now: datetime, since: datetime) -> Exists:
    marks = WorklistMark.objects.filter(user_id=rep_id, kind=kind, item_id=OuterRef("pk"))
    return Exists(marks.filter(Q(snoozed_until__gt=now) | Q(done_at__gte=since)))


def _owner_of(model, column: str) -> Subquery:  # noqa: ANN001 - Customer or Lead
    """The owner of the activity's customer or lead, read by its primary key."""
    return Subquery(model.objects.filter(pk=OuterRef(column)).values("owner_id")[:1])


def _customers(rep: int, now: datetime, since: datetime) -> QuerySet:
    """The rep's customers to work on, by CLV at risk."""
    return (
        Customer.objects.filter(owner_id=rep, score__strategy__in=WORKLIST_STRATEGIES)
        .annotate(at_stake=F("score__value_at_stake"),
                  hidden=_hidden(rep, "customer", now=now, since=since))
        .filter(hidden=False)
        .order_by("-score__value_at_stake", "score__customer_id")
        # The annotation last: daur.db.compiled names the columns fields first.
        .values("pk", "name", "score__strategy", "score__strategy_reasons", "at_stake")
    )


def _open_leads(rep: int, now: datetime, since: datetime) -> QuerySet:
    return (
        Lead.objects.filter(
            owner_id=rep, stage__in=vocabulary.OPEN_LEAD_STAGES, converted_customer__isnull=True
        )
        .annotate(hidden=_hidden(rep, "lead", now=now, since=since))
        .filter(hidden=False)
    )


def _scored_leads(rep: int, now: datetime, since: datetime) -> QuerySet:
    """The top of the index of the scores by owner and value at stake (the score carries its
    lead's owner and expected value: daur.insights.lead_follow), each checked against its lead
    (still the rep's, open, not hidden)."""
    return (
        LeadScore.objects.filter(
            owner_id=rep, lead__owner_id=rep, lead__stage__in=vocabulary.OPEN_LEAD_STAGES,
            lead__converted_customer__isnull=True,
        )
        .annotate(hidden=_hidden(rep, "lead", now=now, since=since))
        .filter(hidden=False)
        .order_by("-value_at_stake", "lead_id")
        .values("lead_id", "win_probability", "factors", at_stake=F("value_at_stake"),
                name=F("lead__name"), stage=F("lead__stage"),
                lead_value=F("lead__expected_value"))
    )


def _overdue(rep: int, now: datetime, since: datetime) -> QuerySet:
    """The ids of the overdue activities on the rep's customers and leads (or logged by the
    rep), oldest due first. Whose party it is, tested on each overdue activity read in due order
    from the index of open activities alone (it includes the id, user, customer and lead:
    engagement migration 0006), so that the read stops early: the rep's own first, then the
    rep's leads (a hash of their ids, 5,000 a rep), then the customer's owner, one primary-key
    probe (hashing the rep's customers would read 50,000 ids at 1,000,000 customers)."""
    return (
        Interaction.objects.filter(done=False, due_at__lt=now)
        .annotate(customer_owner=_owner_of(Customer, "customer_id"))
        .filter(
            Q(user_id=rep)
            | Q(lead__in=Lead.objects.filter(owner_id=rep).values("pk"))
            | Q(customer_owner=rep)
        )
        .annotate(hidden=_hidden(rep, "activity", now=now, since=since))
        .filter(hidden=False)
        .order_by("due_at", "pk")
        .values("pk")
    )


# Each read composed once per process and shape (daur.db.compiled: composing these queries
# through the ORM cost more CPU than PostgreSQL's answer), run with each request's rep, moment
# and done-since; the sentinels are values no request sends. The shape of a read is its LIMIT:
# a section's cap, or COUNT_CAP + 1 for a count (the ids of up to that many rows).
_SENTINELS = {
    "rep": -7_919_001,
    "now": datetime(1901, 2, 3, 4, 5, 6, 7, tzinfo=UTC),
    "since": datetime(1901, 3, 4, 5, 6, 7, 8, tzinfo=UTC),
}
LAST_RUN_STARTED = CompiledValues(
    lambda shape: ScoringRun.objects.filter(status__in=ScoringRun.SCORES_STORED)
    .order_by("-id").values("started_at")[:1],
    {}, "worklist.done_since",
)
CUSTOMERS = CompiledValues(
    lambda cap, **p: _customers(**p)[:cap], _SENTINELS, "worklist.customers"
)
CUSTOMERS_COUNTED = CompiledValues(
    lambda limit, **p: _customers(**p).order_by().values("pk")[:limit], _SENTINELS,
    "worklist.customers_counted",
)
LEADS = CompiledValues(lambda cap, **p: _scored_leads(**p)[:cap], _SENTINELS, "worklist.leads")
LEADS_COUNTED = CompiledValues(
    lambda limit, **p: _open_leads(**p).order_by().values("pk")[:limit], _SENTINELS,
    "worklist.leads_counted",
)
OVERDUE = CompiledValues(
    lambda limit, **p: _overdue(**p)[:limit], _SENTINELS, "worklist.overdue"
)


def _rows(read: CompiledValues, shape: Hashable, **params: Any) -> list[dict[str, Any]]:  # noqa: ANN401
    """The read's rows: compiled once on PostgreSQL; elsewhere (SQLite, whose driver gets the
    moments as text, not the sentinels) composed by the ORM for each call."""
    if dialect.postgresql():
        return read.rows(shape, **params)
    return list(read.build(shape, **params))


def _activity_section(ids: list[int], cap: int) -> Section:
    """The overdue activities in two steps: the ids of the first COUNT_CAP + 1 in due order
    (`OVERDUE`), which is the count, whose first `cap` are then read with their party's name.
    Each row is found by testing it, so a separate count would test the same rows again."""
    rows = {
        row["pk"]: row
        for row in Interaction.objects.filter(pk__in=ids[:cap]).values(
            "pk", "kind", "note", "due_at", "customer_id", "lead_id", "customer__name",
            "lead__name",
        )
    }
    return Section(items=[_activity(rows[pk]) for pk in ids[:cap]], count=len(ids))


def _customer(row: dict) -> WorkItem:
    strategy = row["score__strategy"]
    return WorkItem(
        kind="customer", pk=row["pk"], name=row["name"], value_at_stake=row["at_stake"],
        strategy=strategy, reasons=row["score__strategy_reasons"],
        actions=ACTIONS.get(strategy, ()),
    )


def _lead(row: dict) -> WorkItem:
    value = row["expected_value"]
    return WorkItem(
        kind="lead", pk=row["pk"], name=row["name"], value_at_stake=row.get("at_stake", 0.0),
        stage=row["stage"], win_probability=row.get("win_probability"),
        factors=tuple(row.get("factors") or ())[:2],
        expected_value=float(value) if value is not None else None,
    )


def _lead_section(rep: int, now: datetime, since: datetime, cap: int) -> Section:
    """The scored leads by value at stake (`LEADS`); then, if there is room and the count says
    some of the rep's open leads were not among them, the leads not scored yet, which have
    nothing measurable at stake and come last."""
    params = {"rep": rep, "now": now, "since": since}
    scored = [
        {**row, "pk": row["lead_id"], "expected_value": row["lead_value"]}
        for row in _rows(LEADS, cap, **params)
    ]
    count = len(_rows(LEADS_COUNTED, COUNT_CAP + 1, **params))
    if len(scored) < min(cap, count):
        scored += _open_leads(**params).filter(score__isnull=True).order_by("pk").values(
            "pk", "name", "stage", "expected_value"
        )[: cap - len(scored)]
    return Section(items=[_lead(row) for row in scored], count=count)


def _activity(row: dict) -> WorkItem:
    on_lead = row["lead_id"] is not None
    return WorkItem(
        kind="activity", pk=row["pk"],
        name=(row["lead__name"] if on_lead else row["customer__name"]) or "",
        due_at=row["due_at"], activity_kind=row["kind"], note=row["note"],
        party_kind="lead" if on_lead else "customer",
        party_pk=row["lead_id"] if on_lead else row["customer_id"],
    )


def rep_worklist(*, rep: User, now: datetime, cap: int = SECTION_CAP) -> Worklist:
    """The worklist of `rep` at `now` (who may see it is the interface's question)."""
    params = {"rep": rep.pk, "now": now, "since": done_since(now)}
    customers = Section(
        items=[_customer(row) for row in _rows(CUSTOMERS, cap, **params)],
        count=len(_rows(CUSTOMERS_COUNTED, COUNT_CAP + 1, **params)),
    )
    overdue = [row["pk"] for row in _rows(OVERDUE, COUNT_CAP + 1, **params)]
    return Worklist(
        rep=rep,
        customers=customers,
        leads=_lead_section(cap=cap, **params),
        activities=_activity_section(overdue, cap),
    )
