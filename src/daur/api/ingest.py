"""Records sent as JSON, imported as the CSV files they stand for: the same parsers, the same
checks and the same all-or-nothing write as `daur import` (daur.actions.interchange), each
problem reported as {record, field, reason} with the record's 1-based position."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from daur.actions.interchange import files_import
from daur.api.errors import ApiError
from daur.interchange.kinds import KINDS
from daur.interchange.outcome import ImportFailed

MAX_RECORDS = 10_000
SHOWN_ERRORS = 1_000
LINES = "lines"  # an order's lines (the order_lines kind without order_id)


@dataclass
class Ingested:
    records: int
    created: int
    updated: int
    unchanged: int
    lines: dict[str, int] = field(default_factory=dict)
    rescore: str = ""


def cell(value: Any) -> str:
    """A JSON value as the text it would be in the CSV file (validated by the schema already:
    text, a number, a boolean or null)."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


@dataclass
class _File:
    kind: str
    text: io.StringIO = field(default_factory=io.StringIO)
    line: int = 2  # the line the next record starts on (the header is line 1)
    starts: dict[int, tuple[int, str]] = field(default_factory=dict)  # line -> record, prefix

    def __post_init__(self) -> None:
        self.names = KINDS[self.kind].column_names
        self.writer = csv.writer(self.text, lineterminator="\n")
        self.writer.writerow(self.names)

    def add(self, values: dict[str, Any], record: int, prefix: str = "") -> None:
        row = [cell(values.get(name)) for name in self.names]
        self.writer.writerow(row)
        self.starts[self.line] = (record, prefix)
        # The row's lines: its terminator and each line break inside a cell (the writer quotes
        # such a cell and keeps its breaks as they are).
        self.line += 1 + "".join(row).count("\n")


def stored_cells(record: dict[str, Any]) -> dict[str, Any]:
    """A record as read, as the CSV cells that would import it back unchanged."""
    cells = {}
    for name, value in record.items():
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        cells[name] = value
    return cells


def ingest(kind: str, records: Sequence[dict[str, Any]]) -> Ingested:
    """Write `records` of `kind` (an order's `lines` too), all of them or none; ApiError 422
    with every problem found."""
    if not records:
        raise ApiError(422, "records: send at least one record.",
                       [{"field": "records", "reason": "is empty"}])
    files = [_File(kind)]
    if kind == "orders":
        files.append(_File("order_lines"))
    for number, record in enumerate(records, start=1):
        files[0].add(record, number)
        for position, line in enumerate(record.get(LINES) or ()):
            files[1].add({**line, "order_id": record.get("order_id")}, number, f"lines.{position}.")
    if kind == "orders" and files[1].line == 2:
        files.pop()  # no order carried lines
    with tempfile.TemporaryDirectory(prefix="daur-api-") as folder:
        paths = []
        for part in files:
            path = Path(folder) / f"{part.kind}.csv"
            path.write_text(part.text.getvalue(), encoding="utf-8")
            paths.append((part.kind, path))
        try:
            results = files_import(files=paths)
        except ImportFailed as failed:
            raise _refusal(failed, files) from None
    first = results[0]
    done = Ingested(
        records=len(records),
        created=first.created,
        updated=first.updated,
        unchanged=first.unchanged,
        rescore=results[-1].rescore_note,
    )
    if len(results) > 1:
        lines = results[1]
        done.lines = {"created": lines.created, "updated": lines.updated,
                      "unchanged": lines.unchanged}
    return done


def _refusal(failed: ImportFailed, files: list[_File]) -> ApiError:
    part = next((f for f in files if f.kind == failed.kind), files[0])
    errors = []
    for problem in sorted(failed.problems, key=lambda p: p.line):
        record, prefix = part.starts.get(problem.line, (None, ""))
        column = "-" if problem.column == "-" else prefix + problem.column
        if part.kind == "order_lines" and column == "lines.order_id" or column.endswith(
            ".order_id"
        ):
            column = "order_id"
        errors.append({"record": record, "field": column, "reason": problem.reason})
    bad = len({e["record"] for e in errors})
    shown = errors[:SHOWN_ERRORS]
    first = shown[0] if shown else {"record": None, "field": "-", "reason": "is not valid"}
    where = f"record {first['record']}, " if first["record"] else ""
    detail = (
        f"{bad:,} {'record has' if bad == 1 else 'records have'} problems; nothing was written "
        f"(first: {where}{first['field']}: {first['reason']})."
    )
    return ApiError(422, detail, shown)
