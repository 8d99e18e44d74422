"""A hot `values()` read compiled once per process and shape, then run with new parameters.

The API's customer read is a one-row index look-up; composing its query through the ORM (the
lookups across the score, the compiler's setup) cost more than the database's answer. Here the
query is built once with sentinel parameters, compiled to SQL, and each call substitutes its
own values for the sentinels and converts the rows with the compiler's own converters (JSON,
dates, decimals: the same values as `QuerySet.values()` gives), found once too. On PostgreSQL
it runs as a prepared statement (daur.db.prepared): planned once per connection, not on every
call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from daur.db.prepared import prepared_cursor

_local = threading.local()


class CompiledValues:
    """`build(**sentinels)` returns the `values(*names)` QuerySet of one shape; `rows(shape,
    **params)` runs it for these parameters. Each parameter must appear as its own query
    parameter (a filter value), and `sentinels` give a value for each that no caller sends."""

    def __init__(
        self, build: Callable[..., QuerySet], sentinels: Mapping[str, Any], name: str
    ) -> None:
        self.build = build
        self.sentinels = dict(sentinels)
        self.name = name

    def rows(self, shape: Hashable, **params: Any) -> list[dict[str, Any]]:
        cache = _local.__dict__.setdefault("compiled", {})
        key = (self.name, shape, connection.alias)
        entry = cache.get(key)
        if entry is None:
            entry = cache[key] = self._compile(shape)
        compiler, sql, slots, names, converters = entry
        values = [params[slot] if slot is not None else fixed for slot, fixed in slots]
        with prepared_cursor() as cursor:
            cursor.execute(sql, values)
            fetched = [row[: compiler.col_count] for row in cursor.fetchall()]
        if converters is None:  # composite fields: the compiler's own way
            rows = compiler.results_iter([fetched])
        else:
            rows = compiler.apply_converters(fetched, converters) if converters else fetched
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _compile(self, shape: Hashable) -> tuple[Any, str, list[tuple[str | None, Any]], list,
                                                 dict | None]:
        qs = self.build(shape, **self.sentinels)
        compiler = qs.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        by_value = {(type(v), v): name for name, v in self.sentinels.items()}
        slots = [(by_value.get((type(p), p)), p) for p in params]
        query = qs.query
        # The columns in the order selected: values() keeps the order it is given (annotations
        # among fields too), which `selected` records; without it, fields before annotations.
        names = list(query.selected) if query.selected else [
            *query.extra_select, *query.values_select, *query.annotation_select
        ]
        # The converters of the selected columns, found once (results_iter finds them per call).
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = (
            None if compiler.has_composite_fields(fields) else compiler.get_converters(fields)
        )
        return compiler, sql, slots, names, converters
