"""One customer's history: orders, interactions, tickets, survey answers and stage changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from daur.engagement.models import Interaction
from daur.insights.models import StageChange
from daur.sales.models import Order, OrderLine
from daur.servicedesk.models import Ticket
from daur.surveys.models import SurveyAnswer

TIMELINE_LIMIT = 30


@dataclass(frozen=True)
class TimelineEvent:
    kind: str  # order, interaction, ticket, survey, stage_change
    at: datetime
    record: Any


@dataclass(frozen=True)
class Timeline:
    events: list[TimelineEvent]
    more_before: datetime | None  # pass it back as `before` for the next, older events


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def customer_timeline(
    *, customer_id: int, before: datetime | None = None, limit: int = TIMELINE_LIMIT
) -> Timeline:
    """The newest `limit` events (older than `before`), merged newest first: one query a kind."""
    before = before or datetime.max.replace(tzinfo=UTC)
    n = limit + 1
    lines = Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
    sources = (
        (
            "order",
            "ordered_at",
            Order.objects.filter(customer_id=customer_id, ordered_at__lt=before)
            .order_by("-ordered_at")
            .prefetch_related(lines)[:n],
        ),
        (
            "interaction",
            "occurred_at",
            Interaction.objects.filter(customer_id=customer_id, occurred_at__lt=before)
            .select_related("user")
            .order_by("-occurred_at")[:n],
        ),
        (
            "ticket",
            "opened_at",
            Ticket.objects.filter(customer_id=customer_id, opened_at__lt=before).order_by(
                "-opened_at"
            )[:n],
        ),
        (
            "survey",
            "answered_at",
            SurveyAnswer.objects.filter(customer_id=customer_id, answered_at__lt=before).order_by(
                "-answered_at"
            )[:n],
        ),
    )
    events = [
        TimelineEvent(kind=kind, at=getattr(record, attr), record=record)
        for kind, attr, qs in sources
        for record in qs
    ]
    changes = StageChange.objects.filter(customer_id=customer_id).order_by("-changed_on", "-id")
    events += [
        TimelineEvent(kind="stage_change", at=_day_start(change.changed_on), record=change)
        for change in changes[: n * 2]
        if _day_start(change.changed_on) < before
    ]
    events.sort(key=lambda event: event.at, reverse=True)
    more = len(events) > limit
    events = events[:limit]
    return Timeline(events=events, more_before=events[-1].at if more and events else None)
