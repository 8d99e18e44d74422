"""Large loads on PostgreSQL: secondary indexes and foreign keys rebuilt in bulk before commit."""

from __future__ import annotations

from typing import Any

# A merge that at least doubles a table and adds this many rows maintains its secondary indexes
# one row at a time (about 10 µs a row for the order table) and queues one foreign-key check a
# row per key; sorting them into fresh indexes and checking each key with one join is several
# times faster. Smaller loads keep the indexes: the rebuild costs time in proportion to the table.
BULK_MIN_ROWS = 100_000


def worth_it(cursor: Any, table: str, new_rows: int) -> bool:
    """Whether inserting `new_rows` into `table` is cheaper with its indexes rebuilt afterwards."""
    if new_rows < BULK_MIN_ROWS:
        return False
    # The planner's estimate is enough to tell a first load from an addition to a large table.
    cursor.execute(
        "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass", [table]
    )
    return new_rows >= int(cursor.fetchone()[0])


class SetAside:
    """Drops the table's non-unique indexes and its foreign keys, and recreates them unchanged.

    Everything happens inside the import's transaction: if anything fails, the rollback brings
    the indexes and constraints back as they were, so they are never gone for anyone else (the
    DROP holds the table's lock to the end of the transaction). Unique indexes and primary keys
    stay, so uniqueness is enforced row by row throughout; the foreign keys are validated again,
    against every row, when they are added back.
    """

    def __init__(self, cursor: Any, table: str) -> None:
        self.cursor = cursor
        self.table = table
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
            "ORDER BY c.relname",
            [table],
        )
        self.indexes: list[tuple[str, str]] = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        self.foreign_keys: list[tuple[str, str]] = cursor.fetchall()

    def __enter__(self) -> SetAside:
        for name, _ in self.foreign_keys:
            self.cursor.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{name}"')
        for name, _ in self.indexes:
            self.cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if kind is not None:
            return  # the transaction is rolled back, which restores them
        # Index builds sort in memory when they can; the setting ends with the transaction.
        self.cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in self.indexes:
            self.cursor.execute(definition)
        for name, definition in self.foreign_keys:
            self.cursor.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{name}" {definition}')
