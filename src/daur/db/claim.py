"""Claiming rows for work: one conditional UPDATE moves a batch from one status to the next and
returns the ids it moved, so that two workers (or a task run twice) never take the same row."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection


def rows_claim(
    table: str,
    *,
    status_from: str,
    status_to: str,
    limit: int,
    ids: Sequence[int] | None = None,
    after: int = 0,
    bump: str = "",
) -> list[int]:
    """Set `status` from `status_from` to `status_to` on up to `limit` rows of `table` (the
    lowest ids first; among `ids` when given) and return the ids moved. `bump`: an integer column
    added 1 on each row claimed.

    On PostgreSQL the rows another transaction is claiming are skipped (FOR UPDATE SKIP LOCKED):
    two workers take different batches instead of waiting for each other. A row whose status
    changed under the UPDATE is re-checked by it (READ COMMITTED) and left out. On SQLite a write
    holds the whole database, so the UPDATE alone is atomic."""
    params: list = [status_to, status_from, after]
    only = ""
    if ids is not None:
        ids = list(ids)
        if not ids:
            return []
        if connection.vendor == "postgresql":
            only = " AND id = ANY(%s)"
            params.append(ids)
        else:
            only = f" AND id IN ({', '.join(['%s'] * len(ids))})"
            params.extend(ids)
    params.append(limit)
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    extra = f", {bump} = {bump} + 1" if bump else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s{extra} WHERE id IN ("
            f"SELECT id FROM {table} WHERE status = %s AND id > %s{only} "
            f"ORDER BY id LIMIT %s{lock}"
            f") AND status = %s RETURNING id",
            [*params, status_from],
        )
        return sorted(row[0] for row in cursor.fetchall())
