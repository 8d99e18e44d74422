"""Numbers and durations of a queryset's rows read as one numpy matrix (daur.db.numeric: on
PostgreSQL each column as one binary array, elsewhere through the driver), so that half a million
rows cross into Python in a fraction of a second and their percentiles are taken by numpy
(daur.analytics.percentiles) rather than sorted once per grouping set inside PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.db import connection
from django.db.models import QuerySet

from daur.db.dialect import postgresql
from daur.db.numeric import fetch_numeric


def duration_matrix(
    rows: QuerySet, *, numbers: Sequence[str], durations: Sequence[str]
) -> np.ndarray:
    """`rows` (a values_list) selects the columns named in `numbers` and `durations` (intervals,
    NULL where the event did not happen). One row per row: each number, then each duration in
    seconds (NaN for NULL)."""
    inner, params = rows.query.sql_with_params()
    q = connection.ops.quote_name
    if postgresql():
        seconds = [f"date_part('epoch', t.{q(d)})" for d in durations]
    else:  # SQLite: Django's difference of two moments is in microseconds
        seconds = [f"t.{q(d)} / 1000000.0" for d in durations]
    columns = [f"t.{q(n)}" for n in numbers] + seconds
    sql = f"SELECT {', '.join(columns)} FROM ({inner}) AS t"
    return fetch_numeric(sql, len(columns), params)
