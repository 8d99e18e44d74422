"""Median and p90 of durations computed inside PostgreSQL (PERCENTILE_CONT, linear interpolation
between ranks: what numpy.percentile gives), per group and over all rows in one pass (GROUPING
SETS), so that a million rows never cross into Python. SQLite has neither: its callers compute
the same figures in numpy (None here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from daur.db.dialect import postgresql

SORT_MEMORY_MB = 64
# (group column name, its value; ("", None) for the row over everything) -> (its rows, per
# duration column: (how many rows have it, [the percentiles in seconds] or None))
Percentiles = dict[tuple[str, Any], tuple[int, list[tuple[int, list[float] | None]]]]


def grouped_duration_percentiles(
    rows: QuerySet,
    *,
    groups: Sequence[str],
    durations: Sequence[str],
    percents: Sequence[float] = (0.5, 0.9),
) -> Percentiles | None:
    """`rows` selects (in this order) the group columns, then the duration columns (intervals,
    NULL where the event did not happen). Percentiles per value of each group column, and over
    all rows (key ("", None)). None on a database without PERCENTILE_CONT."""
    if not postgresql():
        return None
    names = [f"g{i}" for i in range(len(groups))] + [f"d{i}" for i in range(len(durations))]
    inner, params = rows.query.sql_with_params()
    fractions = "ARRAY[" + ", ".join(repr(float(p)) for p in percents) + "]::float8[]"
    figures = ", ".join(
        f"count(d{i}), percentile_cont({fractions}) WITHIN GROUP "
        f"(ORDER BY date_part('epoch', d{i}))"  # float8: extract() is numeric, slower
        for i in range(len(durations))
    )
    flags = ", ".join(f"grouping(g{i})" for i in range(len(groups)))
    sets = ", ".join(f"(g{i})" for i in range(len(groups))) + ", ()"
    sql = (
        f"SELECT {', '.join(f'g{i}' for i in range(len(groups)))}, {flags}, count(*), {figures} "
        f"FROM ({inner}) AS t({', '.join(names)}) GROUP BY GROUPING SETS ({sets})"
    )
    result: Percentiles = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # The ordered-set aggregates sort every grouping set in memory rather than on disk.
        cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY_MB}MB'")
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            values, grouped = row[: len(groups)], row[len(groups) : 2 * len(groups)]
            n, stats = row[2 * len(groups)], row[2 * len(groups) + 1 :]
            open_groups = [i for i, flag in enumerate(grouped) if flag == 0]
            key = (groups[open_groups[0]], values[open_groups[0]]) if open_groups else ("", None)
            result[key] = (int(n), [
                (int(stats[2 * i]), [float(v) for v in stats[2 * i + 1]] if stats[2 * i] else None)
                for i in range(len(durations))
            ])
    return result
