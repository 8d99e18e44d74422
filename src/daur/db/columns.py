"""Numpy columns stored as binary values, one row per column (a scoring run's state: a few
dozen rows of a few megabytes each, written in one statement each).

Strings travel as their UTF-8 joined by the record separator (U+001E); other arrays as their
raw bytes with their dtype beside them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from django.db import connection

_SEPARATOR = "\x1e"
STRINGS = "str"


def columns_write(
    table: str, owner_column: str, owner_id: int, columns: Mapping[str, np.ndarray]
) -> int:
    """Store each array of `columns` under `owner_id`; returns the bytes written."""
    rows = []
    for name, values in columns.items():
        dtype, data = _encode(np.asarray(values))
        rows.append((int(owner_id), name, dtype, data))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({owner_column}, name, dtype, data) VALUES (%s, %s, %s, %s)",
            rows,
        )
    return sum(len(row[3]) for row in rows)


def columns_read(table: str, owner_column: str, owner_id: int) -> dict[str, np.ndarray]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, dtype, data FROM {table} WHERE {owner_column} = %s", [int(owner_id)]
        )
        return {name: _decode(dtype, bytes(data)) for name, dtype, data in cursor.fetchall()}


def _encode(values: np.ndarray) -> tuple[str, bytes]:
    if values.dtype == object or values.dtype.kind == "U":
        text = [str(v) for v in values.tolist()]
        if any(_SEPARATOR in v for v in text):
            raise ValueError("a stored string holds the record separator (U+001E)")
        # A leading marker keeps an empty array apart from one empty string.
        return STRINGS, ("#" + _SEPARATOR.join(text) if text else "").encode()
    return values.dtype.str, np.ascontiguousarray(values).tobytes()


def _decode(dtype: str, data: bytes) -> np.ndarray:
    if dtype == STRINGS:
        if not data:
            return np.zeros(0, dtype=object)
        return np.array(data.decode()[1:].split(_SEPARATOR), dtype=object)
    return np.frombuffer(data, dtype=np.dtype(dtype)).copy()
