"""Rows written in bulk: COPY on PostgreSQL (its text formatted a column at a time), executemany
on SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from operator import methodcaller
from typing import Any

from django.db import connection
from psycopg.copy import QueuedLibpqWriter

NULL = "\\N"
# COPY's text format gives these four characters a meaning; a backslash escapes them.
_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_SPECIAL = ("\\", "\n", "\r", "\t")
_ISOFORMAT = methodcaller("isoformat")
COPY_ROWS = 50_000  # rows per COPY write when a write is cut in chunks


def copy_accepted() -> bool:
    """Whether the database takes rows as COPY text (`text_insert`)."""
    return connection.vendor == "postgresql"


def rows_insert(
    table: str, names: Sequence[str], columns: Sequence[Sequence[Any]], *, queued: bool = False
) -> None:
    """Insert rows given as columns (`names` quoted as given). On PostgreSQL by COPY; `queued`:
    in chunks of COPY_ROWS sent from a thread of psycopg's own, so that the server takes in one
    chunk while the next is formatted here. On SQLite by executemany on the driver's cursor.
    Values are as `dialect.moment_value` and `dialect.day_value` give them."""
    if not columns or not columns[0]:
        return
    listed = ", ".join(names)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            statement = f"COPY {table} ({listed}) FROM STDIN"
            if not queued:
                with raw.copy(statement) as copy:
                    copy.write(copy_text(columns))
                return
            with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
                for start in range(0, len(columns[0]), COPY_ROWS):
                    copy.write(copy_text([c[start : start + COPY_ROWS] for c in columns]))
        return
    connection.ensure_connection()
    raw = connection.connection.cursor()
    marks = ", ".join("?" * len(names))
    try:
        raw.executemany(f"INSERT INTO {table} ({listed}) VALUES ({marks})", zip(*columns))
    finally:
        raw.close()


def text_insert(table: str, names: Sequence[str], data: bytes) -> None:
    """Insert rows already formatted as COPY text (where `copy_accepted`)."""
    if data:
        statement = f"COPY {table} ({', '.join(names)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            copy.write(data)


def copy_text(columns: Sequence[Sequence[Any]]) -> bytes:
    """The rows of `columns` as COPY text: one call per column instead of one per value
    (psycopg's write_row), which made formatting a fifth of the Python time of an import."""
    if not columns or not columns[0]:
        return b""  # every row of the chunk was bad
    texts = [_column_text(column) for column in columns]
    return ("\n".join(map("\t".join, zip(*texts))) + "\n").encode("utf-8")


def _column_text(column: Sequence[Any]) -> Sequence[str]:
    types = set(map(type, column))
    nulls = type(None) in types
    types.discard(type(None))
    if not types:
        return [NULL] * len(column)
    if types == {str}:
        joined = "".join(filter(None, column)) if nulls else "".join(column)
        if any(c in joined for c in _SPECIAL):
            column = [v if v is None else v.translate(_ESCAPES) for v in column]
        return [NULL if v is None else v for v in column] if nulls else column
    if types == {bool}:
        return [NULL if v is None else ("t" if v else "f") for v in column]
    if all(issubclass(t, date) for t in types):  # dates and date-times, aware ones with offset
        if not nulls:
            return list(map(_ISOFORMAT, column))
        return [NULL if v is None else v.isoformat() for v in column]
    if nulls:  # numbers: Decimal and int print as PostgreSQL reads them
        return [NULL if v is None else str(v) for v in column]
    return list(map(str, column))
