"""`import_file`: every row validated before anything is written; all or nothing."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from daur.db import dialect
from daur.interchange import pipeline
from daur.interchange.coupons import coupon_problems, coupons_redeem_staged
from daur.interchange.duplicates import import_warnings
from daur.interchange.kinds import KINDS, Kind, ParseContext
from daur.interchange.outcome import ImportFailed, ImportResult
from daur.interchange.reader import CsvFile, MalformedCsv, Record
from daur.interchange.staging import Problem, Staging
from daur.interchange.values import NOTE_MAX_CHARS, check_text, parse_column

CHUNK_ROWS = 10_000
# Columns a rejects file adds; importing a corrected rejects file ignores them.
REJECT_COLUMNS = ("rejected_line", "rejected_reason")


class _DryRun(Exception):
    pass


def parse_context() -> ParseContext:
    """How values are parsed and handed to this database's driver."""
    zone = ZoneInfo(settings.TIME_ZONE)
    base = settings.DAUR_DEFAULT_CURRENCY
    return ParseContext(
        zone=zone,
        store_moment=dialect.moment_value,
        store_day=dialect.day_value,
        default_currency=base,
        known_currencies=(base, *(c for c in settings.DAUR_EXCHANGE_RATES if c != base)),
        now=datetime.now(UTC),
    )


def import_file(
    *,
    kind: str,
    path: str | Path,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: bool = False,
    customers_up_to: int = 0,
) -> ImportResult:
    """Import one CSV file of one kind (SPEC §3); raises ImportFailed and writes nothing if any
    row is bad, unless `skip_invalid`, which writes the good rows and FILE.rejects.csv.

    With `customers_up_to`, `result.customers` lists the customers the written rows belong to, up
    to that many and one more (more means "many"): the import action re-scores them
    (daur.actions.interchange). The import alone schedules nothing."""
    spec = KINDS[kind]
    path = Path(path)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            result = _import(
                spec,
                path,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                progress=progress,
                customers_up_to=customers_up_to,
            )
            if dry_run:
                raise _DryRun()
    except _DryRun:
        pass
    result.seconds = time.perf_counter() - started
    return result


def _import(
    spec: Kind,
    path: Path,
    *,
    dry_run: bool,
    skip_invalid: bool,
    progress: bool,
    customers_up_to: int,
) -> ImportResult:
    bar = _progress_bar(path) if progress else None
    try:
        with path.open("rb") as handle:
            csv_file = CsvFile(handle, on_bytes=bar.update if bar else None)
            records = csv_file.records()
            header = _read_header(spec, str(path), records)
            staging = Staging(
                connection=connection,
                kind=spec,
                present=[c for c in spec.column_names if c in header.index],
                has_custom=bool(header.custom),
            )
            staging.create()
            problems, rows = _stage_rows(spec, header, csv_file, staging, str(path))
    except MalformedCsv as error:
        raise ImportFailed(
            spec.name,
            str(path),
            [Problem(error.line, "-", f"the CSV is malformed ({error.reason})")],
        ) from None
    finally:
        if bar:
            bar.close()
    if rows == 0 and not problems:
        raise ImportFailed(
            spec.name, str(path), [Problem(1, "-", "the file has a header but no rows")]
        )
    staging.index()
    problems.extend(staging.duplicates())
    problems.extend(staging.unknown_references())
    problems.extend(coupon_problems(staging))
    bad_lines = {p.line for p in problems}
    result = ImportResult(
        kind=spec.name, path=str(path), rows=rows, dry_run=dry_run, custom_columns=header.custom
    )
    if bad_lines and not skip_invalid:
        raise ImportFailed(spec.name, str(path), problems, len(bad_lines))
    if bad_lines:
        staging.discard(bad_lines)
        result.rejected = len(bad_lines)
        result.problems = problems
        result.rejects_path = str(path) + ".rejects.csv"
        if not dry_run:
            _write_rejects(path, Path(result.rejects_path), problems)
    result.warnings = import_warnings(spec.name, staging)
    staged = rows - len(bad_lines)
    matched = staging.matched()
    now = parse_context().store_moment(datetime.now(UTC))
    # A dry run merges only to count, then rolls back: rebuilding indexes would be wasted.
    written = staging.merge(now=now, new_rows=0 if dry_run else staged - matched)
    coupons_redeem_staged(staging)
    result.created = staged - matched
    result.updated = max(written - result.created, 0)
    result.unchanged = matched - result.updated
    if customers_up_to and not dry_run and (result.created or result.updated):
        result.customers = staging.affected_customers(customers_up_to)
    staging.drop()
    return result


@dataclass
class _Header:
    names: list[str]
    index: dict[str, int]
    custom: list[str]
    ignored: list[int]


def _read_header(spec: Kind, path: str, records: Iterator[Record]) -> _Header:
    try:
        _, first_fields, first_bad = next(records)
    except StopIteration:
        expected = ", ".join(c.name for c in spec.columns if c.required)
        raise ImportFailed(
            spec.name,
            path,
            [Problem(1, "-", f"the file is empty; expected a header row with {expected}")],
        ) from None
    if first_bad:
        raise ImportFailed(
            spec.name,
            path,
            [Problem(1, "-", "the header is not valid UTF-8; save the file as UTF-8")],
        )
    names = [name.strip() for name in first_fields]
    problems = []
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            problems.append(Problem(1, f"#{position + 1}", "a column has no name"))
        elif name in seen:
            problems.append(Problem(1, name, "the column appears twice in the header"))
        seen.setdefault(name, position)
    missing = [c.name for c in spec.columns if c.required and c.name not in seen]
    if missing:
        problems.append(Problem(1, ", ".join(missing), "required column missing from the header"))
    if problems:
        raise ImportFailed(spec.name, path, problems)
    known = set(spec.column_names)
    custom = [n for n in names if n not in known and n not in REJECT_COLUMNS]
    ignored = [seen[n] for n in REJECT_COLUMNS if n in seen]
    return _Header(names=names, index=seen, custom=custom, ignored=ignored)


def _stage_rows(
    spec: Kind, header: _Header, csv_file: CsvFile, staging: Staging, path: str
) -> tuple[list[Problem], int]:
    """Validate and stage every record, a chunk at a time; returns the problems and row count."""
    chunks = _parsed_chunks(spec, header, csv_file)
    load = staging.load
    if staging.takes_copy_text and pipeline.usable(Path(path).stat().st_size):
        chunks, load = pipeline.parsed_in_child(chunks), staging.load_text
    problems: list[Problem] = []
    rows = 0
    try:
        for staged, chunk_problems, chunk_rows in chunks:
            load(staged)
            problems.extend(chunk_problems)
            rows += chunk_rows
    finally:
        # A write that fails midway stops the parsing process now, not whenever the garbage
        # collector gets to it (at the interpreter's exit its pipe may be closed already).
        chunks.close()
    return problems, rows


def _parsed_chunks(
    spec: Kind, header: _Header, csv_file: CsvFile
) -> Iterator[tuple[list[list[Any]], list[Problem], int]]:
    """Each chunk's staged columns, its problems and how many rows it had."""
    context = parse_context()
    parsers = [(c.name, header.index.get(c.name), c.parser(context)) for c in spec.columns]
    width = len(header.names)
    for lines, records, bad in csv_file.batches(CHUNK_ROWS):
        problems: list[Problem] = []
        if not bad and set(map(len, records)) == {width}:  # the usual chunk: no row to set apart
            yield (
                _parse_chunk(spec, header, parsers, lines, records, problems),
                problems,
                len(lines),
            )
            continue
        rows = 0
        kept_lines: list[int] = []
        kept: list[list[str]] = []
        for position, (line, fields) in enumerate(zip(lines, records)):
            if position in bad:
                problems.append(Problem(line, "-", "is not valid UTF-8; save the file as UTF-8"))
            elif not fields:
                continue  # a blank line
            elif len(fields) != width:
                reason = f"has {len(fields)} fields; the header has {width}"
                problems.append(Problem(line, "-", reason))
            else:
                kept_lines.append(line)
                kept.append(fields)
            rows += 1
        yield _parse_chunk(spec, header, parsers, kept_lines, kept, problems), problems, rows


def _parse_chunk(
    spec: Kind,
    header: _Header,
    parsers: list[tuple[str, int | None, Any]],
    lines: Sequence[int],
    chunk: list[list[str]],
    problems: list[Problem],
) -> list[list[Any]]:
    """Parse a chunk column by column; bad rows go to `problems`, good ones come back as the
    staging table's columns."""
    if not chunk:
        return []
    raw_columns = list(zip(*chunk, strict=True))
    empty = [""] * len(chunk)
    bad: set[int] = set()
    parsed: dict[str, list[Any]] = {}
    for name, position, parse in parsers:
        values, column_problems = parse_column(
            parse, raw_columns[position] if position is not None else empty
        )
        parsed[name] = values
        for i, reason in column_problems:
            problems.append(Problem(lines[i], name, reason))
            bad.add(i)
    if spec.row_check:
        for i, column, reason in spec.row_check(parsed):
            if i not in bad:
                problems.append(Problem(lines[i], column, reason))
                bad.add(i)
    columns = [lines, *parsed.values()]
    if spec.natural_key:
        columns.append(spec.natural_key(parsed))
    if header.custom:
        columns.append(_custom_fields(header, raw_columns, lines, problems, bad))
    if bad:
        kept = [i for i in range(len(lines)) if i not in bad]
        columns = [[column[i] for i in kept] for column in columns]
    return columns


def _custom_fields(
    header: _Header,
    raw_columns: list[tuple[str, ...]],
    lines: list[int],
    problems: list[Problem],
    bad: set[int],
) -> list[str]:
    """The unknown columns of each row as a JSON object (empty values left out)."""
    named = [(name, raw_columns[header.index[name]]) for name in header.custom]
    for name, column in named:
        for i, value in enumerate(column):
            if len(value) > NOTE_MAX_CHARS or "\x00" in value:
                try:
                    check_text(value, NOTE_MAX_CHARS)
                except ValueError as error:
                    problems.append(Problem(lines[i], name, str(error)))
                    bad.add(i)
    return [
        json.dumps(
            {name: value for name, value in zip(header.custom, values) if value},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for values in zip(*(column for _, column in named))
    ]


def _write_rejects(source: Path, target: Path, problems: list[Problem]) -> None:
    reasons: dict[int, list[str]] = {}
    for p in problems:
        reasons.setdefault(p.line, []).append(f"{p.column}: {p.reason}")
    with source.open("rb") as handle, target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        records = CsvFile(handle).records()
        _, header, _ = next(records)
        writer.writerow([*header, *REJECT_COLUMNS])
        for line, fields, _ in records:
            if line in reasons:
                writer.writerow([*fields, line, "; ".join(reasons[line])])


def _progress_bar(path: Path) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=path.stat().st_size,
        unit="B",
        unit_scale=True,
        desc=f"import {path.name}",
        leave=False,
    )
