"""Large loads: on PostgreSQL indexes and foreign keys set aside, then rebuilt in bulk; a staged
table's preparation and bulk deletion by key; the catalogue's index and key definitions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

# A merge that at least doubles a table and adds this many rows maintains its indexes one row
# at a time (for a million orders: 4.5 s for the unique order id alone, whose text keys arrive
# in no order, and 1 s per further index) and queues a foreign-key check per row and key;
# sorting them into fresh indexes and checking each key with one join is several times faster.
# Smaller loads keep the indexes: a rebuild costs time in proportion to the whole table.
BULK_MIN_ROWS = 100_000


def worth_it(cursor: Any, table: str, new_rows: int) -> bool:
    """Whether inserting `new_rows` into `table` is cheaper with its indexes rebuilt afterwards."""
    if new_rows < BULK_MIN_ROWS or connection.vendor != "postgresql":
        return False
    # The planner's estimate is enough to tell a first load from an addition to a large table.
    cursor.execute(
        "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass", [table]
    )
    return new_rows >= int(cursor.fetchone()[0])


def staged_ready(cursor: Any, table: str, key: Sequence[str]) -> None:
    """Prepare a freshly loaded staging table for checks that group and join it on `key`.

    PostgreSQL groups and joins the whole table by hashing: statistics serve it, an index would
    cost a sort of every row and serve nothing. SQLite looks rows up: an index on the key."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")
    else:
        cursor.execute(f"CREATE INDEX {table}_key ON {table} ({', '.join(key)})")


def rows_delete(cursor: Any, table: str, column: str, values: Sequence[int]) -> None:
    """Delete the rows of `table` whose integer `column` is one of `values`: on PostgreSQL one
    hash join with the values as an array; elsewhere in chunks of 500 (the parameters' limit)."""
    values = list(values)
    if connection.vendor == "postgresql":
        cursor.execute(
            f"DELETE FROM {table} s USING unnest(%s::integer[]) AS b(v) WHERE s.{column} = b.v",
            [values],
        )
        return
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)


def index_definitions(
    cursor: Any, table: str, *, primary_key: bool
) -> list[tuple[str, str, str | None, str | None]]:
    """Each index of `table` (name, definition) with the constraint it backs, if any (name,
    definition: a primary key or unique constraint is re-added as a constraint, so that it is the
    same object the migrations know). Primary key first, then unique ones, then by name; indexes
    that a foreign key of another table relies on are left out."""
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid), k.conname, "
        "pg_get_constraintdef(k.oid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid "
        "WHERE i.indrelid = %s::regclass "
        + ("" if primary_key else "AND NOT i.indisprimary ")
        + "AND NOT EXISTS (SELECT 1 FROM pg_constraint f "
        "WHERE f.contype = 'f' AND f.conindid = i.indexrelid) "
        "ORDER BY i.indisprimary DESC, i.indisunique DESC, c.relname",
        [table],
    )
    return cursor.fetchall()


def foreign_key_definitions(cursor: Any, table: str) -> list[tuple[str, str]]:
    """The foreign keys of `table`: (name, definition), by name."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    return cursor.fetchall()


class SetAside:
    """Drops the table's indexes but its primary key, and its foreign keys; recreates them all.

    Everything happens inside the import's transaction: if anything fails, the rollback brings
    the indexes and constraints back as they were, so they are never gone for anyone else (the
    DROP holds the table's lock to the end of the transaction). Unique constraints are checked
    again, against every row, when they are added back, and so are the foreign keys; the
    caller inserts only rows whose key is not in the table. Indexes that a foreign key of
    another table relies on stay.

    Foreign keys are checked at commit (Django makes them DEFERRABLE INITIALLY DEFERRED), and
    PostgreSQL refuses to ALTER a table with checks still queued on it (an order moved to another
    customer, or an earlier import in the same transaction): they are run first, by making the
    constraints immediate for the time the table is altered, and deferred again afterwards.
    """

    def __init__(self, cursor: Any, table: str) -> None:
        self.cursor = cursor
        self.table = table
        self.indexes = index_definitions(cursor, table, primary_key=False)
        self.foreign_keys = foreign_key_definitions(cursor, table)

    def __enter__(self) -> SetAside:
        self.cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # runs the queued checks now
        for name, _ in self.foreign_keys:
            self.cursor.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{name}"')
        for name, _, constraint, _ in self.indexes:
            if constraint:
                self.cursor.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{constraint}"')
            else:
                self.cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if kind is not None:
            return  # the transaction is rolled back, which restores them
        # Index builds sort in memory when they can; the setting ends with the transaction.
        self.cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition, constraint, constraint_definition in self.indexes:
            if constraint:
                self.cursor.execute(
                    f'ALTER TABLE {self.table} ADD CONSTRAINT "{constraint}" '
                    f"{constraint_definition}"
                )
            else:
                self.cursor.execute(definition)
        for name, definition in self.foreign_keys:
            self.cursor.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{name}" {definition}')
        # Every deferrable constraint of the schema is initially deferred: this restores them.
        self.cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def statistics_refresh(cursor: Any, table: str) -> None:
    """Refresh the planner's statistics of `table` after a large load (PostgreSQL), so that the
    next `worth_it` reads its new size rather than setting the indexes aside again."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")
