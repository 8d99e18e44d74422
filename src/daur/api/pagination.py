"""Cursor pagination: an opaque, signed cursor names where the next page starts; a cursor that
was not made here (tampered, or from another list or order) is a 400."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field

from daur.api.errors import invalid

SALT = "daur.api.cursor"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
T = TypeVar("T")


class Page(Schema, Generic[T]):
    data: list[T]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page.")
    has_more: bool


def cursor_make(scope: str, value: Any) -> str:
    return signing.dumps([scope, value], salt=SALT, compress=True)


def cursor_read(scope: str, cursor: str) -> Any:
    """The value a cursor of this list carries; a 400 for any other string."""
    try:
        found_scope, value = signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise invalid("cursor", "is not a cursor this list gave out", status=400) from None
    if found_scope != scope:
        raise invalid("cursor", "belongs to another list or order", status=400)
    return value


def id_page(qs: QuerySet, *, scope: str, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """A page of `qs` in id order, after the cursor's id."""
    qs = qs.order_by("pk")
    if cursor:
        last = cursor_read(scope, cursor)
        if not isinstance(last, int):
            raise invalid("cursor", "is not a cursor this list gave out", status=400)
        qs = qs.filter(pk__gt=last)
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, cursor_make(scope, rows[-1].pk) if more else None
