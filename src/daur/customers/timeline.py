"""One customer's history: orders, interactions, tickets, survey answers and stage changes.

Read with one plain SQL query a kind (and one for the shown orders' lines) into small records:
the 360 page is opened far more often than anything is written, and building its thirty events
through the ORM (a compiled query and a model instance a row, JSON fields decoded) cost several
times the queries themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from daur.engagement.models import Interaction
from daur.servicedesk.models import Ticket

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
    username: str
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


_INTERACTION_KINDS = dict(Interaction._meta.get_field("kind").flatchoices)
_TICKET_KINDS = dict(Ticket._meta.get_field("kind").flatchoices)
_TICKET_STATUSES = dict(Ticket._meta.get_field("status").flatchoices)


# Events are listed newest first by (moment, kind's rank, id): events at the same moment (orders
# imported with a date only all fall on midnight) keep a fixed order, and a page ends exactly.
RANKS = {"order": 4, "interaction": 3, "ticket": 2, "survey": 1, "stage_change": 0}


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
            return cls(at, int(rank), int(pk))
        except ValueError:
            return None

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


# Per kind: its table, time column, the columns its record needs (after the time and the id)
# and how one row becomes a record.
_SOURCES: tuple[tuple[str, str, str, str, Any], ...] = (
    (
        "order",
        "sales_order o",
        "o.ordered_at",
        "o.external_id, o.amount, o.currency, o.discount_amount, o.coupon_code, o.channel",
        lambda r: OrderEntry(r[2], _decimal(r[3]), r[4], _decimal(r[5]), r[6], r[7]),
    ),
    (
        "interaction",
        "engagement_interaction o LEFT JOIN accounts_user u ON u.id = o.user_id",
        "o.occurred_at",
        "o.kind, o.channel, u.username, o.note",
        lambda r: InteractionEntry(r[2], r[3], r[4] or "", r[5]),
    ),
    (
        "ticket",
        "servicedesk_ticket o",
        "o.opened_at",
        "o.external_id, o.kind, o.status, o.satisfaction",
        lambda r: TicketEntry(r[2], r[3], r[4], r[5]),
    ),
    (
        "survey",
        "surveys_surveyanswer o",
        "o.answered_at",
        "o.nps, o.comment",
        lambda r: SurveyEntry(r[2], r[3]),
    ),
)


def _older(column: str, rank: int, before: TimelinePosition) -> tuple[str, list[Any]]:
    """The SQL condition for rows of a kind of this rank that come after `before`."""
    moment = connection.ops.adapt_datetimefield_value(before.at)
    if rank < before.rank:
        return f"{column} <= %s", [moment]
    if rank > before.rank:
        return f"{column} < %s", [moment]
    return f"({column} < %s OR ({column} = %s AND o.id < %s))", [moment, moment, before.id]


def customer_timeline(
    *, customer_id: int, before: TimelinePosition | None = None, limit: int = TIMELINE_LIMIT
) -> Timeline:
    """The newest `limit` events (after `before`), merged newest first: one query a kind."""
    n = limit + 1
    events: list[TimelineEvent] = []
    orders: dict[int, OrderEntry] = {}
    with connection.cursor() as cursor:
        for kind, table, at, columns, make in _SOURCES:
            condition, params = "o.customer_id = %s", [customer_id]
            if before is not None:
                older, values = _older(at, RANKS[kind], before)
                condition += f" AND {older}"
                params += values
            cursor.execute(
                f"SELECT {at}, o.id, {columns} FROM {table} WHERE {condition} "
                f"ORDER BY {at} DESC, o.id DESC LIMIT {n}",
                params,
            )
            for row in cursor.fetchall():
                record = make(row)
                events.append(TimelineEvent(kind, _aware(row[0]), record, row[1]))
                if kind == "order":
                    orders[row[1]] = record
        changes, history = _stage_changes(cursor, customer_id, before, n)
    events += changes
    events.sort(key=lambda event: event.key, reverse=True)
    more = len(events) > limit
    events = events[:limit]
    shown = [event.id for event in events if event.kind == "order"]
    if shown:
        _lines_attach(shown, orders)
    last = events[-1] if more and events else None
    position = TimelinePosition(last.at, RANKS[last.kind], last.id) if last else None
    return Timeline(events=events, more=position, stage_history=history)


def _stage_changes(cursor, customer_id: int, before: TimelinePosition | None, n: int):
    """The stage changes after `before` (at most n) as events, and the newest ones for the
    stage history when the timeline starts at the newest."""
    condition, params = "customer_id = %s", [customer_id]
    if before is not None:
        # A change's moment is the start of its day, in the current time zone.
        day = timezone.localdate(before.at)
        params.append(connection.ops.adapt_datefield_value(day))
        if _day_start(day) < before.at or before.rank > RANKS["stage_change"]:
            condition += " AND changed_on <= %s"  # every change of that day comes after it
        else:
            condition += " AND (changed_on < %s OR (changed_on = %s AND id < %s))"
            params += [params[-1], before.id]
    cursor.execute(
        "SELECT changed_on, from_stage, to_stage, regained, id FROM insights_stagechange "
        f"WHERE {condition} ORDER BY changed_on DESC, id DESC LIMIT {max(n, HISTORY_LIMIT)}",
        params,
    )
    rows = cursor.fetchall()
    entries = [StageChangeEntry(_day(r[0]), r[1], r[2], bool(r[3])) for r in rows]
    events = [
        TimelineEvent("stage_change", _day_start(entry.changed_on), entry, row[4])
        for entry, row in zip(entries, rows, strict=True)
    ]
    return events[:n], (entries[:HISTORY_LIMIT] if before is None else [])


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
