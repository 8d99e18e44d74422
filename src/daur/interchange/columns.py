"""What an interchange kind is made of (its columns and the records they refer to), and the
parsers its columns are built from (`values` and `dates`, bound to one import's `ParseContext`).

The nine kinds themselves are in `kinds`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from daur.interchange import dates
from daur.interchange import values as v

ID_MAX = 64


@dataclass(frozen=True)
class ParseContext:
    """What parsers need to know about this import: the time zone and the database's value forms."""

    zone: tzinfo
    store_moment: Callable[[datetime], Any]
    store_day: Callable[[date], Any]
    default_currency: str
    known_currencies: tuple[str, ...]  # the base currency first, then those with a rate
    now: datetime  # the import's start: later events have not happened yet


@dataclass(frozen=True)
class Reference:
    """A column holding another record's external id (or a username)."""

    model: str
    key_field: str
    # Optional further requirement on the referenced row: (SQL on alias r, reason if unmet).
    condition: tuple[str, str] | None = None
    # Fields of the importing record copied from the referenced row: (field, column there);
    # an order line takes its order's customer (daur.db.line_customer).
    carry: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Column:
    name: str
    parser: Callable[[ParseContext], v.Parser]
    field: str | None = None
    required: bool = False
    reference: Reference | None = None
    keep_if_empty: bool = False  # an empty value keeps what is stored (created_at)


@dataclass(frozen=True)
class Kind:
    name: str
    model: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the columns that identify a row in a file
    conflict_fields: tuple[str, ...]  # the model fields of the unique constraint upserted on
    row_check: Callable[[dict[str, list[Any]]], Iterator[tuple[int, str, str]]] | None = None
    # Computes the column `natural_key` for kinds whose rows have no id of their own.
    natural_key: Callable[[dict[str, list[Any]]], list[str | None]] | None = None
    extension_columns: tuple[str, ...] = field(default=())  # columns beyond SPEC §3, documented

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


def ident(required: bool = True) -> Callable[[ParseContext], v.Parser]:
    if required:
        return lambda c: v.text(max_length=ID_MAX, required=True)
    return lambda c: v.optional_text(max_length=ID_MAX)


def text(max_length: int, required: bool = False) -> Callable[[ParseContext], v.Parser]:
    return lambda c: v.text(max_length=max_length, required=required)


def note() -> Callable[[ParseContext], v.Parser]:
    return lambda c: v.text(max_length=v.NOTE_MAX_CHARS, strip=False)


def moment(required: bool = False) -> Callable[[ParseContext], v.Parser]:
    return lambda c: dates.moment(zone=c.zone, now=c.now, required=required, store=c.store_moment)


def day() -> Callable[[ParseContext], v.Parser]:
    return lambda c: dates.day(today=c.now.date(), store=c.store_day)


def currency() -> Callable[[ParseContext], v.Parser]:
    return lambda c: v.currency(default=c.default_currency, known=c.known_currencies)


def money(**options: Any) -> Callable[[ParseContext], v.Parser]:
    return lambda c: v.decimal(**options)


def choice(values: tuple[str, ...], **options: Any) -> Callable[[ParseContext], v.Parser]:
    return lambda c: v.choice(values, **options)
