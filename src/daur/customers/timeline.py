"""One customer's history: orders, interactions, tickets, survey answers and stage changes.

Read with one plain SQL query for every kind (each kind's newest, merged here) and one for the
shown orders' lines, into small records: the 360 page is opened far more often than anything is
written, and building its thirty events through the ORM (a query a kind, a model instance a row,
JSON fields decoded) cost several times reading them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from daur import vocabulary
from daur.db import dialect
from daur.records import vocabulary_choices

TIMELINE_LIMIT = 30
HISTORY_LIMIT = 20  # stage changes in the 360 page's stage history


@dataclass(frozen=True, slots=True)
class OrderLineEntry:
    quantity: Decimal
    product_name: str
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class OrderEntry:
    external_id: str
    amount: Decimal
    currency: str
    discount_amount: Decimal
    coupon_code: str
    channel: str
    lines: list[OrderLineEntry] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class InteractionEntry:
    kind: str
    channel: str
    user_name: str  # who recorded it: full name, else user name ("" for nobody)
    note: str

    def get_kind_display(self) -> str:
        return str(_INTERACTION_KINDS.get(self.kind, self.kind))


@dataclass(frozen=True, slots=True)
class TicketEntry:
    external_id: str
    kind: str
    status: str
    satisfaction: int | None

    def get_kind_display(self) -> str:
        return str(_TICKET_KINDS.get(self.kind, self.kind))

    def get_status_display(self) -> str:
        return str(_TICKET_STATUSES.get(self.status, self.status))


@dataclass(frozen=True, slots=True)
class SurveyEntry:
    nps: int
    comment: str


@dataclass(frozen=True, slots=True)
class StageChangeEntry:
    changed_on: date
    from_stage: str
    to_stage: str
    regained: bool


# The labels the interaction's and the ticket's fields show (the same closed value sets).
_INTERACTION_KINDS = dict(vocabulary_choices(vocabulary.INTERACTION_KINDS))
_TICKET_KINDS = dict(vocabulary_choices(vocabulary.TICKET_KINDS))
_TICKET_STATUSES = dict(vocabulary_choices(vocabulary.TICKET_STATUSES))


# Events are listed newest first by (moment, kind's rank, id): events at the same moment (orders
# imported with a date only all fall on midnight) keep a fixed order, and a page ends exactly.
RANKS = {"order": 4, "interaction": 3, "ticket": 2, "survey": 1, "stage_change": 0}
_EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
_LATEST = datetime(9998, 12, 31, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    kind: str  # order, interaction, ticket, survey, stage_change
    at: datetime
    record: Any
    id: int = 0  # the record's id in its own table

    @property
    def key(self) -> tuple[datetime, int, int]:
        return (self.at, RANKS[self.kind], self.id)


@dataclass(frozen=True)
class TimelinePosition:
    """Where a page of the timeline ended: the next page starts after this event."""

    at: datetime
    rank: int
    id: int

    def token(self) -> str:
        return f"{self.at.isoformat()}~{self.rank}~{self.id}"

    @classmethod
    def parse(cls, text: str) -> TimelinePosition | None:
        """The position of a token; None for anything else (the timeline starts at the newest)."""
        try:
            moment, rank, pk = text.split("~")
            at = parse_datetime(moment)
            if at is None or at.tzinfo is None:
                return None
            position = cls(at.astimezone(UTC), int(rank), int(pk))
        except (ValueError, OverflowError):
            return None
        # A hand-made token may name what no event has: a moment at the calendar's ends (which
        # the local day and the database's conversions would carry past them), an id past the
        # database's integers.
        if not (_EARLIEST <= position.at <= _LATEST and 0 < position.id < 2**63):
            return None
        return position if position.rank in RANKS.values() else None

    @property
    def key(self) -> tuple[datetime, int, int]:
        return (self.at, self.rank, self.id)


@dataclass(frozen=True)
class Timeline:
    events: list[TimelineEvent]
    more: TimelinePosition | None  # pass its token back as `before` for the next, older events
    # The customer's newest stage changes (at most HISTORY_LIMIT), read with the events when the
    # timeline starts at the newest; empty for a later page.
    stage_history: list[StageChangeEntry] = field(default_factory=list)


def _aware(value: Any) -> datetime:
    """A column's datetime as an aware one (SQLite hands back naive UTC, or text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _day(value: Any) -> date:
    return parse_date(value) if isinstance(value, str) else value


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value if value is not None else 0))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


# Per kind: its table, time column, and the columns its record needs, as text (the kinds share
# one query: a column holds an amount for an order and a comment for a survey answer).
_SOURCES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "order",
        "sales_order o",
        "o.ordered_at",
        (
            "o.external_id",
            "CAST(o.amount AS TEXT)",
            "o.currency",
            "CAST(o.discount_amount AS TEXT)",
            "o.coupon_code",
            "o.channel",
        ),
    ),
    (
        "interaction",
        "engagement_interaction o LEFT JOIN accounts_user u ON u.id = o.user_id",
        "o.occurred_at",
        # The user by full name, else user name (portable SQL: || and TRIM on both databases).
        (
            "o.kind",
            "o.channel",
            "COALESCE(NULLIF(TRIM(u.first_name || ' ' || u.last_name), ''), u.username)",
            "o.note",
        ),
    ),
    (
        "ticket",
        "servicedesk_ticket o",
        "o.opened_at",
        ("o.external_id", "o.kind", "o.status", "CAST(o.satisfaction AS TEXT)"),
    ),
    (
        "survey",
        "surveys_surveyanswer o",
        "o.answered_at",
        ("CAST(o.nps AS TEXT)", "o.comment"),
    ),
)
_WIDTH = 6


def _record(kind: str, c: tuple) -> Any:
    if kind == "order":
        return OrderEntry(c[0], _decimal(c[1]), c[2], _decimal(c[3]), c[4], c[5])
    if kind == "interaction":
        return InteractionEntry(c[0], c[1], c[2] or "", c[3])
    if kind == "ticket":
        return TicketEntry(c[0], c[1], c[2], int(c[3]) if c[3] is not None else None)
    return SurveyEntry(int(c[0]), c[1])


def _older(column: str, rank: int, before: TimelinePosition) -> tuple[str, list[Any]]:
    """The SQL condition for rows of a kind of this rank that come after `before`."""
    moment = connection.ops.adapt_datetimefield_value(before.at)
    if rank < before.rank:
        return f"{column} <= %s", [moment]
    if rank > before.rank:
        return f"{column} < %s", [moment]
    return f"({column} < %s OR ({column} = %s AND o.id < %s))", [moment, moment, before.id]


def _arm(
    rank: int, table: str, at: str, columns: tuple[str, ...], condition: str, order: str, n: int
) -> str:
    listed = ", ".join([*columns, *(["NULL"] * (_WIDTH - len(columns)))])
    return (
        f"SELECT * FROM (SELECT {rank} AS k, {at} AS at, o.id AS id, {listed} FROM {table} "
        f"WHERE {condition} ORDER BY {order} LIMIT {n}) AS e{rank}"
    )


def customer_timeline(
    *, customer_id: int, before: TimelinePosition | None = None, limit: int = TIMELINE_LIMIT
) -> Timeline:
    """The newest `limit` events (after `before`), merged newest first: one query for every
    kind (each kind's newest, then merged here), one more for the shown orders' lines."""
    n = limit + 1
    arms, params = [], []
    for kind, table, at, columns in _SOURCES:
        condition = "o.customer_id = %s"
        params.append(customer_id)
        if before is not None:
            older, values = _older(at, RANKS[kind], before)
            condition += f" AND {older}"
            params += values
        arms.append(_arm(RANKS[kind], table, at, columns, condition, f"{at} DESC, o.id DESC", n))
    condition, values = _stage_change_condition(customer_id, before)
    params += values
    # A stage change is dated, not timed: its day travels as text, its moment is made here.
    arms.append(
        _arm(
            RANKS["stage_change"], "insights_stagechange o", "CAST(NULL AS timestamptz)",
            (dialect.date_text("o.changed_on"), "o.from_stage", "o.to_stage",
             "CASE WHEN o.regained THEN 'y' ELSE '' END"),
            condition, "o.changed_on DESC, o.id DESC", max(n, HISTORY_LIMIT),
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(arms), params)
        rows = cursor.fetchall()
    kinds = {rank: kind for kind, rank in RANKS.items()}
    events: list[TimelineEvent] = []
    orders: dict[int, OrderEntry] = {}
    history: list[tuple[date, int, StageChangeEntry]] = []
    for rank, moment, pk, *columns in rows:
        kind = kinds[rank]
        if kind == "stage_change":
            entry = StageChangeEntry(_day(columns[0]), columns[1], columns[2], bool(columns[3]))
            history.append((entry.changed_on, pk, entry))
            events.append(TimelineEvent(kind, _day_start(entry.changed_on), entry, pk))
            continue
        record = _record(kind, columns)
        events.append(TimelineEvent(kind, _aware(moment), record, pk))
        if kind == "order":
            orders[pk] = record
    history.sort(key=lambda change: change[:2], reverse=True)
    events.sort(key=lambda event: event.key, reverse=True)
    more = len(events) > limit
    events = events[:limit]
    shown = [event.id for event in events if event.kind == "order"]
    if shown:
        _lines_attach(shown, orders)
    last = events[-1] if more and events else None
    position = TimelinePosition(last.at, RANKS[last.kind], last.id) if last else None
    return Timeline(
        events=events,
        more=position,
        stage_history=[entry for *_, entry in history[:HISTORY_LIMIT]] if before is None else [],
    )


def _stage_change_condition(
    customer_id: int, before: TimelinePosition | None
) -> tuple[str, list[Any]]:
    """The stage changes after `before`: a change's moment is the start of its day, in the
    current time zone."""
    if before is None:
        return "o.customer_id = %s", [customer_id]
    local_day = timezone.localdate(before.at)
    day = connection.ops.adapt_datefield_value(local_day)
    if _day_start(local_day) < before.at or before.rank > RANKS["stage_change"]:
        return "o.customer_id = %s AND o.changed_on <= %s", [customer_id, day]
    return (
        "o.customer_id = %s AND (o.changed_on < %s OR (o.changed_on = %s AND o.id < %s))",
        [customer_id, day, day, before.id],
    )


def _lines_attach(order_ids: list[int], orders: dict[int, OrderEntry]) -> None:
    listed = ", ".join(["%s"] * len(order_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.order_id, l.quantity, p.name, l.unit_price FROM sales_orderline l "
            "JOIN catalog_product p ON p.id = l.product_id "
            f"WHERE l.order_id IN ({listed}) ORDER BY l.order_id, l.id",
            order_ids,
        )
        for order_id, quantity, name, unit_price in cursor.fetchall():
            orders[order_id].lines.append(
                OrderLineEntry(_decimal(quantity), name, _decimal(unit_price))
            )
