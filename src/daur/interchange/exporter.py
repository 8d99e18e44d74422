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

from daur.db import dialect
from daur.interchange.kinds import KINDS, Kind

CHUNK_ROWS = 5_000


class ExportUnavailable(Exception):
    pass


def export_rows(*, kind: str) -> Iterator[list[str]]:
    """The header, then every record of `kind` as CSV fields, in primary-key order."""
    if kind == "scores":
        yield from score_rows()
        return
    if kind == "lead_scores":
        yield from lead_score_rows()
        return
    if kind == "campaign_members":
        yield from campaign_member_rows()
        return
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


SCORE_COLUMNS = (
    "customer_id",
    "as_of",
    "lifecycle_stage",
    "types",
    "orientation",
    "loyalty_score",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "rfm_segment",
    "p_alive",
    "expected_orders_90d",
    "expected_order_value",
    "clv_12m",
    "strategy",
    "strategy_reasons",
)
# Decimals shown per score column: probabilities and counts finer than money.
SCORE_DECIMALS = {"p_alive": 4, "expected_orders_90d": 4, "expected_order_value": 2, "clv_12m": 2}


def score_rows() -> Iterator[list[str]]:
    """The score export of SPEC §3: one row per scored customer, types `;`-separated."""
    from daur.insights.models import CustomerScore

    if not CustomerScore.objects.exists():
        raise ExportUnavailable("no scores yet: run `daur score` first")
    yield list(SCORE_COLUMNS)
    lookups = ["customer__external_id", *SCORE_COLUMNS[1:]]
    rows = CustomerScore.objects.order_by("customer_id").values_list(*lookups)
    for values in rows.iterator(chunk_size=CHUNK_ROWS):
        fields = []
        for name, value in zip(SCORE_COLUMNS, values, strict=True):
            if value is None:
                fields.append("")
            elif name in SCORE_DECIMALS:
                fields.append(f"{value:.{SCORE_DECIMALS[name]}f}")
            else:
                fields.append(str(value))
        yield fields


LEAD_SCORE_COLUMNS = ("lead_id", "as_of", "win_probability", "basis", "factors")


def lead_score_rows() -> Iterator[list[str]]:
    """The lead_scores export of SPEC §4: one row per scored open lead, the factors as
    `name:+0.12` (probability points) `;`-separated, the largest first."""
    from daur.analytics.lead_score import factors_text
    from daur.insights.models import LeadScore, LeadScoreModel

    if not LeadScoreModel.objects.exists():
        raise ExportUnavailable("no lead scores yet: run `daur score` first")
    yield list(LEAD_SCORE_COLUMNS)
    lookups = ("lead__external_id", "as_of", "win_probability", "basis", "factors")
    rows = LeadScore.objects.order_by("lead_id").values_list(*lookups)
    for lead_id, as_of, probability, basis, factors in rows.iterator(chunk_size=CHUNK_ROWS):
        yield [lead_id, str(as_of), f"{probability:.4f}", basis, factors_text(factors or [])]


CAMPAIGN_MEMBER_COLUMNS = (
    "campaign_id", "customer_id", "group", "coupon_code", "sent_at", "converted_at",
    "spend_in_window",
)  # fmt: skip


def campaign_member_rows() -> Iterator[list[str]]:
    """The campaign_members export of SPEC §4: every member of every launched campaign; the
    spend in the attribution window in the base currency, to the cent."""
    from daur.insights.campaign_report import member_rows

    yield list(CAMPAIGN_MEMBER_COLUMNS)
    zone = ZoneInfo(settings.TIME_ZONE)
    for campaign_id, customer_id, group, code, sent_at, converted_at, spend in member_rows():
        yield [
            campaign_id,
            customer_id,
            group,
            code or "",
            _text(sent_at, zone),
            _text(converted_at, zone),
            f"{spend or 0.0:.2f}",
        ]


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
    with connection.cursor() as cursor:
        cursor.execute(dialect.json_keys(table, "custom_fields"))
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
