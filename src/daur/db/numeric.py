"""Queries of numbers read as numpy matrices, and two integers packed into one number.

On PostgreSQL a large read comes as one double precision array per column, decoded by numpy from
the array's binary form (instead of one message and one tuple per row through the driver, ten
times slower); elsewhere, and for a few rows, rows come through the driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import psycopg
from django.db import connection
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from psycopg.pq import Format

FETCH_ROWS = 100_000


def fetch_numeric(
    sql: str, width: int, params: Sequence[object] = (), *, few: bool = False
) -> np.ndarray:
    """All rows of a query whose columns are numbers (NULL -> NaN), as a float64 matrix.

    `few`: the query is about a few customers; rows through the driver cost less than arrays
    there."""
    if connection.vendor == "postgresql" and not few:
        return _arrays_numeric(sql, width, params)
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            parts.append(np.array(rows, dtype=np.float64).reshape(len(rows), width))
    return np.concatenate(parts) if parts else np.zeros((0, width))


def fetch_numeric_many(queries: Sequence[tuple[str, int]]) -> list[np.ndarray]:
    """Several queries of numbers (about a few customers), as `fetch_numeric` would give them, in
    one round trip: each row is tagged with its query and padded with NULLs to the widest."""
    width = max(w for _, w in queries)
    arms = [
        f"SELECT {i}, q.*{', NULL' * (width - w)} FROM ({sql}) q"
        for i, (sql, w) in enumerate(queries)
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(arms))
        rows = cursor.fetchall()
    matrix = np.array(rows, dtype=np.float64).reshape(len(rows), width + 1)
    tag = matrix[:, 0]
    return [matrix[tag == i, 1 : 1 + w] for i, (_, w) in enumerate(queries)]


class _RawArray(Loader):
    """Hands over a binary array value as its bytes, for numpy to read."""

    format = Format.BINARY

    def load(self, data: Buffer) -> Buffer:
        return data


# A one-dimensional float8[] in binary: dimensions, has-null flag and element type (3 x int32),
# then per dimension its size and lower bound (2 x int32); per element a length (int32) and the
# value (big-endian double).
ARRAY_HEADER = 20
FLOAT8_ARRAY_OID = 1022  # by its oid: the name "float8[]" would reach the element loader
ARRAY_ELEMENT = np.dtype([("length", ">i4"), ("value", ">f8")])


def _arrays_numeric(sql: str, width: int, params: Sequence[object]) -> np.ndarray:
    """`fetch_numeric` on PostgreSQL: each column aggregated into one double precision array
    (NULL as NaN) and read by numpy from the array's binary form. The aggregates of one query see
    the rows in the same order, so the columns stay aligned. An array holds up to about 89
    million values (PostgreSQL's 1 GB limit on one value)."""
    names = ", ".join(f"c{i}" for i in range(width))
    arrays = ", ".join(
        f"array_agg(COALESCE(CAST(q.c{i} AS double precision), 'NaN'))" for i in range(width)
    )
    statement = f"SELECT {arrays} FROM ({sql}) AS q({names})"
    connection.ensure_connection()
    # Django's cursors bind on the client, which cannot ask for binary results: a plain one.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.adapters.register_loader(FLOAT8_ARRAY_OID, _RawArray)
        cursor.execute(statement, params or None, binary=True)
        row = cursor.fetchone()
    if row is None or row[0] is None:  # no rows: array_agg gives NULL
        return np.zeros((0, width))
    count = int.from_bytes(bytes(row[0][12:16]), "big")
    matrix = np.empty((count, width), dtype=np.float64)
    for i, data in enumerate(row):
        elements = np.frombuffer(data, dtype=ARRAY_ELEMENT, count=count, offset=ARRAY_HEADER)
        matrix[:, i] = elements["value"]
    return matrix


@dataclass(frozen=True)
class Packing:
    """Two integers sent as one number (one array less to build and send): `high` x 2**bits +
    `low` + shift, with `low` + shift in 0 .. 2**bits - 1. Exact in a double while `high` stays
    under 2**(53 - bits)."""

    bits: int
    shift: int = 0

    def sql(self, high: str, low: str) -> str:
        shift = f" + {self.shift}" if self.shift else ""
        return f"{high} * {1 << self.bits} + {low}{shift}"

    def fits(self, largest_high: int) -> bool:
        return largest_high < 2 ** (53 - self.bits)

    def high(self, packed: np.ndarray) -> np.ndarray:
        return np.asarray(packed, dtype=np.int64) >> self.bits

    def low(self, packed: np.ndarray) -> np.ndarray:
        return (np.asarray(packed, dtype=np.int64) & ((1 << self.bits) - 1)) - self.shift


def fetch_factorized(
    table: str, key: str, columns: Sequence[str], where: str = ""
) -> tuple[np.ndarray, np.ndarray, list[tuple]]:
    """Each row's `key` and the position of its values of `columns` among the distinct values,
    and those distinct values (on PostgreSQL the distinct values first, then the rows as numbers
    joined to them; elsewhere the rows through the driver, numbered in order of appearance)."""
    listed = ", ".join(columns)
    condition = f" WHERE {where}" if where else ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT {listed} FROM {table}{condition}")
            distinct = [tuple(row) for row in cursor.fetchall()]
        arrays = ", ".join("%s::text[]" for _ in columns)
        names = ", ".join(f"v{i}" for i in range(len(columns)))
        joined = " AND ".join(f"t.{c} = m.v{i}" for i, c in enumerate(columns))
        matrix = fetch_numeric(
            f"SELECT t.{key}, m.k - 1 FROM {table} t JOIN unnest({arrays}) WITH ORDINALITY "
            f"AS m({names}, k) ON {joined}{condition}",
            2,
            [[row[i] for row in distinct] for i in range(len(columns))],
        ).astype(np.int64)
        return matrix[:, 0], matrix[:, 1], distinct
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key}, {listed} FROM {table}{condition}")
        rows = cursor.fetchall()
    index: dict[tuple, int] = {}
    position = [index.setdefault(tuple(row[1:]), len(index)) for row in rows]
    return (
        np.array([row[0] for row in rows], dtype=np.int64),
        np.array(position, dtype=np.int64),
        list(index),
    )
