"""`export_file`: any interchange kind as CSV, in the columns `import_file` reads back unchanged."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import connection

from daur.interchange.kinds import KINDS, Kind

CHUNK_ROWS = 5_000


class ExportUnavailable(Exception):
    pass


def export_rows(*, kind: str) -> Iterator[list[str]]:
    """The header, then every record of `kind` as CSV fields, in primary-key order."""
    if kind not in KINDS:
        raise ExportUnavailable(f"{kind!r} cannot be exported yet")
    spec = KINDS[kind]
    model = apps.get_model(spec.model)
    lookups = [_lookup(spec, column.name) for column in spec.columns]
    custom = custom_field_names(spec)
    yield [*spec.column_names, *custom]
    zone = ZoneInfo(settings.TIME_ZONE)
    rows = model.objects.order_by("pk").values_list(*lookups, "custom_fields")
    for *values, extra in rows.iterator(chunk_size=CHUNK_ROWS):
        fields = [_text(value, zone) for value in values]
        if custom:
            extra = extra or {}
            fields.extend(str(extra.get(name, "")) for name in custom)
        yield fields


def export_file(*, kind: str, path: str) -> int:
    """Write `kind` to `path` (or standard output for "-"); returns the number of data rows."""
    with _open(path) as out:
        writer = csv.writer(out, lineterminator="\n")
        count = -1
        for count, fields in enumerate(export_rows(kind=kind)):  # noqa: B007
            writer.writerow(fields)
    return count


def custom_field_names(spec: Kind) -> list[str]:
    """Every custom-field name used by records of this kind, sorted."""
    table = apps.get_model(spec.model)._meta.db_table
    if connection.vendor == "postgresql":
        sql = f"SELECT DISTINCT jsonb_object_keys(custom_fields) FROM {table}"
    else:
        sql = f"SELECT DISTINCT j.key FROM {table}, json_each({table}.custom_fields) j"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        names = sorted(row[0] for row in cursor.fetchall())
    return [name for name in names if name not in spec.column_names]


def _lookup(spec: Kind, column: str) -> str:
    column_spec = spec.column(column)
    if column_spec.reference is not None:
        return f"{column_spec.field}__{column_spec.reference.key_field}"
    return column_spec.field


def _text(value: Any, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, date | Decimal):
        return str(value)
    return str(value)


@contextmanager
def _open(path: str) -> Iterator[TextIO]:
    if path == "-":
        yield sys.stdout
        return
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        yield handle
