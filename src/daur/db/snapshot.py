"""Reads on more than one PostgreSQL connection at once, in one snapshot.

A batch job that reads millions of rows keeps one server process busy per query; on a machine
with several cores, reading two tables on two connections at once roughly halves the wait. The
connections share one REPEATABLE READ snapshot (exported by the caller's transaction), so they
see the same data, as one query would.

Only on PostgreSQL and outside a transaction: a transaction under way may have written, and the
other connections would not see its writes. Elsewhere everything runs in line, at once.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
from django.db import connection, transaction

from daur.db.numeric import fetch_numeric

T = TypeVar("T")


def can_fetch_in_parallel() -> bool:
    """Whether reads can run on other connections: on PostgreSQL, outside a transaction."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class SharedSnapshot:
    """`run(function, *args)` starts a function on another connection in the caller's snapshot
    and returns a callable that waits for its result; disabled (or where parallel reads can't
    happen) the function runs at once."""

    def __init__(self, *, enabled: bool = True, workers: int = 1) -> None:
        self.enabled = enabled and can_fetch_in_parallel()
        self.workers = workers
        self.pool: ThreadPoolExecutor | None = None
        self.snapshot = ""

    def __enter__(self) -> SharedSnapshot:
        if self.enabled:
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                self.snapshot = cursor.fetchone()[0]
            self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="daur-read")
        return self

    def run(self, function: Callable[..., T], *args: Any) -> Callable[[], T]:
        if self.pool is None:
            value = function(*args)
            return lambda: value
        future = self.pool.submit(on_own_connection, function, *args, snapshot=self.snapshot)
        return future.result

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.atomic.__exit__(kind, error, trace)


def run_beside(function: Callable[[], T]) -> Callable[[], T]:
    """Start `function` (its queries) on another connection, beside the caller's work, in a
    snapshot of its own; the returned callable waits for its result."""
    if not can_fetch_in_parallel():
        value = function()
        return lambda: value
    pool = ThreadPoolExecutor(1, thread_name_prefix="daur-read")
    future = pool.submit(on_own_connection, function)
    pool.shutdown(wait=False)
    return future.result


def on_own_connection(function: Callable[..., T], *args: Any, snapshot: str = "") -> T:
    """Run in a worker thread: Django gives the thread its own connection, closed at the end."""
    try:
        if not snapshot:
            return function(*args)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            return function(*args)
    finally:
        connection.close()


def fetch_in_parallel(queries: list[tuple[str, int, list]]) -> list[np.ndarray]:
    """`fetch_numeric` of each (sql, width, params); where reads can run in parallel, all at once
    on as many connections, in one REPEATABLE READ snapshot."""
    with SharedSnapshot(enabled=len(queries) > 1, workers=max(1, len(queries) - 1)) as snapshot:
        others = [snapshot.run(fetch_numeric, *query) for query in queries[1:]]
        first = fetch_numeric(*queries[0])
        return [first, *(other() for other in others)]


def fetch_in_halves(
    sql: str, width: int, params: list, *, table: str, alias: str
) -> list[np.ndarray]:
    """`fetch_numeric` of `sql` (a query of `table` as `alias` whose last clause is a WHERE),
    where reads can run in parallel the table's two halves of pages at once on two connections
    (by the rows' physical address, ctid), else in one piece."""
    if not can_fetch_in_parallel():
        return fetch_in_parallel([(sql, width, params)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size(%s) / current_setting('block_size')::int", [table]
        )
        middle = f"'({cursor.fetchone()[0] // 2},0)'::tid"
    return fetch_in_parallel(
        [(f"{sql} AND {alias}.ctid {op} {middle}", width, params) for op in ("<", ">=")]
    )
