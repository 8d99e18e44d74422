"""The lead list: keyset pages (no OFFSET) and a count that stops at COUNT_CAP.

A page is the rows after the last one shown, in (sort value, id) order: the cursor carries
that pair, signed. The empty values of a nullable sort (expected value, next due date) come
last, after every value. The count reads at most COUNT_CAP + 1 rows ("1,000+" beyond).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core import signing
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from daur.accounts.models import User
from daur.leads.models import Lead
from daur.leads.selectors import (
    NULLABLE_SORTS,
    PAGE_SIZE,
    SORTS,
    LeadFilters,
    leads_filtered,
    soonest_due,
    with_activity_marks,
)

CURSOR_SALT = "daur.leads.list-cursor"
COUNT_CAP = 1_000
MOMENTS = ("created_at", "next_due_at")
# What a row of the list shows (daur.web.lead_rows) and the sorts' columns: the only ones read.
ROW_FIELDS = (
    "name", "company", "stage", "lost_reason", "source", "expected_value", "created_at",
    "campaign", "campaign__name", "owner", "owner__first_name", "owner__last_name",
    "owner__username",
)


@dataclass(frozen=True)
class LeadPage:
    leads: list[Lead]
    next_cursor: str  # empty on the last page
    count: int  # at most COUNT_CAP + 1
    first: bool  # the first page (no cursor)

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def shown_count(self) -> int:
        return min(self.count, COUNT_CAP)


def _ordered(qs: QuerySet, column: str, direction: str) -> QuerySet:
    nulls_last = True if column in NULLABLE_SORTS else None
    if direction == "asc":
        return qs.order_by(F(column).asc(nulls_last=nulls_last), F("pk").asc())
    return qs.order_by(F(column).desc(nulls_last=nulls_last), F("pk").desc())


def _after(qs: QuerySet, column: str, direction: str, cursor: str) -> QuerySet:
    """Rows after (value, id); a cursor that does not read is the first page."""
    try:
        value, last_id = signing.loads(cursor, salt=CURSOR_SALT)
        last_id = int(last_id)
        if value is not None:
            value = parse_datetime(value) if column in MOMENTS else (
                Decimal(value) if column == "expected_value" else str(value)
            )
            if value is None:
                return qs
    except (signing.BadSignature, ValueError, TypeError, InvalidOperation):
        return qs
    op = "gt" if direction == "asc" else "lt"
    if value is None:  # in the empty values' tail (nullable sorts only)
        return qs.filter(**{f"{column}__isnull": True, f"pk__{op}": last_id})
    beyond = Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"pk__{op}": last_id})
    if column in NULLABLE_SORTS:
        beyond |= Q(**{f"{column}__isnull": True})
    return qs.filter(beyond)


def _cursor_of(value: Any, pk: int) -> str:  # noqa: ANN401
    if isinstance(value, datetime):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    return signing.dumps([value, pk], salt=CURSOR_SALT, compress=True)


def lead_list(
    *, user: User, filters: LeadFilters, now: datetime | None = None, limit: int = PAGE_SIZE
) -> LeadPage:
    """One page of the leads the user may see, narrowed and ordered; no OFFSET."""
    now = now or timezone.now()
    column, direction = SORTS.get(filters.sort, SORTS["created"])
    narrowed = leads_filtered(user=user, filters=filters, now=now)
    qs = narrowed.select_related("owner", "campaign").only(*ROW_FIELDS)
    if column == "next_due_at":
        qs = qs.annotate(next_due_at=soonest_due())
    qs = _ordered(qs, column, direction)
    if filters.cursor:
        qs = _after(qs, column, direction, filters.cursor)
    leads = list(qs[: limit + 1])
    more, leads = len(leads) > limit, leads[:limit]
    with_activity_marks(leads, now)
    last = leads[-1] if leads else None
    next_cursor = _cursor_of(getattr(last, column), last.pk) if more and last else ""
    count = narrowed.order_by().values("pk")[: COUNT_CAP + 1].count()
    return LeadPage(leads, next_cursor, count, not filters.cursor)
