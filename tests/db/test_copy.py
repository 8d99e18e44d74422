"""Rows written in bulk read back as they were, whatever their text holds."""

from __future__ import annotations

import pytest
from django.db import connection

from daur.db import dialect
from daur.db.copy import copy_accepted, copy_text, rows_insert, text_insert

pytestmark = pytest.mark.django_db
HOSTILE = [
    "plain",
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "back\\slash",
    "\\N",
    "\\.",
    "quote ' and \" both",
    "Łódź 🙂 名前",
    "",
    None,
    "trailing backslash \\",
]


def _table() -> str:
    name = "daur_copy_probe"
    with connection.cursor() as cursor:
        cursor.execute(dialect.temporary_table(name, "n integer, t text, b boolean"))
    return name


def _read(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT n, t, b FROM {table} ORDER BY n")
        return [(n, t, None if b is None else bool(b)) for n, t, b in cursor.fetchall()]


def _columns() -> list[list]:
    n = len(HOSTILE)
    return [list(range(n)), HOSTILE, [None if i % 3 == 0 else i % 2 == 0 for i in range(n)]]


def test_hostile_strings_read_back_unchanged():
    table = _table()
    columns = _columns()
    rows_insert(table, ("n", "t", "b"), columns)
    assert _read(table) == list(zip(*columns, strict=True))


def test_queued_chunks_read_back_unchanged(monkeypatch):
    monkeypatch.setattr("daur.db.copy.COPY_ROWS", 5)
    table = _table()
    columns = _columns()
    rows_insert(table, ("n", "t", "b"), columns, queued=True)
    assert _read(table) == list(zip(*columns, strict=True))


@pytest.mark.skipif(not copy_accepted(), reason="COPY text is PostgreSQL's")
def test_copy_text_written_apart_reads_back_unchanged():
    table = _table()
    columns = _columns()
    text_insert(table, ("n", "t", "b"), copy_text(columns))
    assert _read(table) == list(zip(*columns, strict=True))
