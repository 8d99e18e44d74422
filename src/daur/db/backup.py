"""Backup and restore of the whole database as CSV files and a manifest.

`backup_write(directory)` writes one CSV file per table of every Daur model (customers, orders,
scores and their history, users, …) read in one snapshot, so a backup taken while people work is
consistent: on PostgreSQL one REPEATABLE READ READ ONLY transaction, on SQLite one read
transaction. `manifest.json` records the migrations the data belongs to and, per file, its
columns, row count and SHA-256.

`backup_restore(directory)` checks every file against the manifest before it writes anything,
brings an empty database to the backup's migrations, loads every table in one transaction (all
or nothing) with the primary keys kept, moves the id sequences past them, then migrates forward
to this code's migrations. A database that holds data is refused: a restore never mixes two
businesses.

The CSV text keeps every value exactly: NULL is `\\N` (and a text that starts with a backslash
gets one more), booleans 1/0, moments in ISO 8601 with their offset, decimals as written, JSON as
JSON. Content types and permissions are made by the migrations and differ between databases, so
references to them are written by natural key (`app_label.model`, `app_label.codename`).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, models, transaction
from django.db.migrations.executor import MigrationExecutor

FORMAT = "daur-backup"
VERSION = 1
MANIFEST = "manifest.json"
NULL = "\\N"
BATCH = 2_000
# Tables made by the migrations themselves, or of no value in another database.
LEFT_OUT = {
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    "admin.logentry",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "axes.accessattemptexpiration",
    # Derived by the scoring for its next incremental run (docs/scale.md): the change log the
    # triggers write (a restore's own rows write it anew) and the stored state; without a
    # state the first run after a restore is a full one.
    "insights.scorechange",
    "insights.scoringstate",
    "insights.scoringstatecolumn",
}


class BackupError(Exception):
    """A backup that cannot be written or restored, with the reason in words."""


@dataclass(frozen=True)
class Table:
    model: type[models.Model]
    label: str
    name: str
    fields: tuple[models.Field, ...]

    @property
    def columns(self) -> list[str]:
        return [f.column for f in self.fields]

    @property
    def file(self) -> str:
        return f"{self.label}.csv"


def _tables() -> list[Table]:
    """Every table backed up, each after the tables its foreign keys point to."""
    chosen = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.label_lower in LEFT_OUT or meta.proxy or not meta.managed:
            continue
        # A generated column is computed by the database from the others: neither written nor
        # read back.
        fields = tuple(f for f in meta.concrete_fields if not f.generated)
        chosen[meta.label_lower] = Table(model, meta.label_lower, meta.db_table, fields)
    ordered: list[Table] = []
    placed: set[str] = set()

    def place(label: str, path: tuple[str, ...] = ()) -> None:
        if label in placed or label in path:
            return
        for field in chosen[label].fields:
            target = field.related_model._meta.label_lower if field.is_relation else None
            if target in chosen and target != label:
                place(target, (*path, label))
        placed.add(label)
        ordered.append(chosen[label])

    for label in sorted(chosen):
        place(label)
    return ordered


def _natural(field: models.Field) -> str:
    """'contenttype' or 'permission' when the field refers to one by id, else ''."""
    if field.is_relation and field.related_model is ContentType:
        return "contenttype"
    if field.is_relation and field.related_model is Permission:
        return "permission"
    return ""


def _text(field: models.Field, value: Any, names: dict[str, dict]) -> str:
    if value is None:
        return NULL
    kind = _natural(field)
    if kind:
        return names[kind][value]
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID | int | float | str):
        text = repr(value) if isinstance(value, float) else str(value)
        return "\\" + text if text.startswith("\\") else text
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise BackupError(f"{field.model._meta.label}.{field.name}: cannot write a {type(value)}")


def _natural_names() -> dict[str, dict]:
    """Ids of content types and permissions to their natural keys, and back."""
    types = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    perms = {
        p.pk: f"{p.content_type.app_label}.{p.content_type.model}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }
    return {"contenttype": types, "permission": perms}


def _applied_leaves() -> dict[str, str]:
    """The newest applied migration of each app, as the migration graph orders them."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    applied = set(executor.loader.applied_migrations)
    leaves: dict[str, str] = {}
    for app_label, name in applied:
        node = (app_label, name)
        if node not in graph.nodes:
            continue
        later = [c for c in graph.node_map[node].children if c in applied and c[0] == app_label]
        if not later:
            leaves[app_label] = name
    return leaves


def _snapshot_begin() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def _rows(table: Table) -> Iterator[tuple]:
    names = [f.attname for f in table.fields]
    query = table.model._base_manager.order_by("pk").values_list(*names)
    yield from query.iterator(chunk_size=BATCH)


def backup_write(directory: str | Path) -> dict:
    """Write every table and the manifest into `directory` (made if missing; must hold no
    earlier backup). Returns the manifest."""
    target = Path(directory)
    if (target / MANIFEST).exists():
        raise BackupError(
            f"{target} already holds a backup ({MANIFEST}); choose an empty directory"
        )
    target.mkdir(parents=True, exist_ok=True)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:  # inside a caller's transaction the reads are at its isolation level
            _snapshot_begin()
        names = _natural_names()
        entries = []
        for table in _tables():
            digest = hashlib.sha256()
            count = 0
            with (target / table.file).open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(table.columns)
                for row in _rows(table):
                    writer.writerow(
                        [_text(f, v, names) for f, v in zip(table.fields, row, strict=True)]
                    )
                    count += 1
            digest.update((target / table.file).read_bytes())
            entries.append(
                {
                    "model": table.label,
                    "table": table.name,
                    "file": table.file,
                    "columns": table.columns,
                    "rows": count,
                    "sha256": digest.hexdigest(),
                }
            )
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "database": connection.vendor,
            "migrations": _applied_leaves(),
            "tables": entries,
        }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def manifest_read(directory: str | Path) -> dict:
    """The manifest, checked: format, version, and every file present with its checksum."""
    source = Path(directory)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{source}: no {MANIFEST}: not a Daur backup") from None
    except (ValueError, OSError) as error:
        raise BackupError(f"{source / MANIFEST}: unreadable ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source / MANIFEST}: not a Daur backup manifest")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"{source / MANIFEST}: backup format {manifest.get('version')!r}; "
            f"this Daur reads {VERSION}"
        )
    for entry in manifest["tables"]:
        path = source / entry["file"]
        if not path.is_file():
            raise BackupError(f"{path}: missing (listed in {MANIFEST})")
        if hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            raise BackupError(f"{path}: changed since the backup (checksum differs)")
    return manifest


def _value(field: models.Field, text: str, names: dict[str, dict]) -> Any:
    if text == NULL:
        return None
    if text.startswith("\\"):
        text = text[1:]
    kind = _natural(field)
    if kind:
        if text not in names[kind]:
            raise ValueError(f"no {kind} {text!r} in this database")
        return names[kind][text]
    if isinstance(field, models.JSONField):
        return field.get_db_prep_save(json.loads(text), connection)
    if isinstance(field, models.BinaryField):
        return bytes.fromhex(text)
    target = field.target_field if field.is_relation else field
    return field.get_db_prep_save(target.to_python(text), connection)


def _first_with_rows(tables: list[Table]) -> str:
    """'' when no backed-up table holds a row, else the first that does."""
    for table in tables:
        if table.model._base_manager.exists():
            return table.label
    return ""


def _migrate(targets: dict[str, str] | None) -> None:
    """Migrate to `targets` ({app: migration}), or to this code's newest; content types and
    permissions made as `daur init` makes them."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    if targets is None:
        call_command("migrate", interactive=False, verbosity=0)
        return
    unknown = [f"{a}.{n}" for a, n in targets.items() if (a, n) not in graph.nodes]
    if unknown:
        raise BackupError(
            "the backup needs migrations this Daur does not have: "
            + ", ".join(sorted(unknown))
            + "; restore it with the Daur version that made it, or a newer one"
        )
    plan_targets = list(targets.items())
    executor.migrate(plan_targets)
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)


def backup_restore(directory: str | Path) -> dict:
    """Restore the backup in `directory` into this (empty) database. Returns the row counts."""
    source = Path(directory)
    manifest = manifest_read(source)
    _migrate(None)
    busy = _first_with_rows(_tables())
    if busy:
        raise BackupError(
            f"this database is not empty ({busy} has rows): restore only into an empty one"
        )
    if manifest["migrations"] != _applied_leaves():
        _migrate(manifest["migrations"])
    by_label = {t.label: t for t in _tables()}
    counts: dict[str, int] = {}
    with transaction.atomic():
        ids = _natural_names()
        names = {kind: {v: k for k, v in pairs.items()} for kind, pairs in ids.items()}
        for entry in manifest["tables"]:
            table = by_label.get(entry["model"])
            if table is None:
                raise BackupError(f"{entry['file']}: table {entry['model']} is unknown here")
            counts[entry["model"]] = _load(table, source / entry["file"], entry, names)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [t.model for t in by_label.values()]
            ):
                cursor.execute(statement)
    _migrate(None)
    return counts


def _load(table: Table, path: Path, entry: dict, names: dict[str, dict]) -> int:
    fields = {f.column: f for f in table.fields}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if header != entry["columns"]:
            raise BackupError(f"{path.name}: header differs from the manifest's columns")
        unknown = [c for c in header if c not in fields]
        if unknown:
            raise BackupError(f"{path.name}: columns {', '.join(unknown)} do not exist here")
        order = [fields[c] for c in header]
        quoted = ", ".join(connection.ops.quote_name(c) for c in header)
        marks = ", ".join(["%s"] * len(header))
        statement = (
            f"INSERT INTO {connection.ops.quote_name(table.name)} ({quoted}) VALUES ({marks})"
        )
        count = 0
        batch: list[list[Any]] = []
        with connection.cursor() as cursor:
            for line, row in enumerate(reader, start=2):
                if len(row) != len(order):
                    raise BackupError(
                        f"{path.name}, line {line}: {len(row)} fields, the header has {len(order)}"
                    )
                try:
                    batch.append([_value(f, t, names) for f, t in zip(order, row, strict=True)])
                except ValidationError as error:
                    reason = "; ".join(error.messages)
                    raise BackupError(f"{path.name}, line {line}: {reason}") from None
                except (ValueError, TypeError) as error:
                    raise BackupError(f"{path.name}, line {line}: {error}") from None
                if len(batch) == BATCH:
                    cursor.executemany(statement, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(statement, batch)
                count += len(batch)
    if count != entry["rows"]:
        raise BackupError(f"{path.name}: {count} rows, the manifest says {entry['rows']}")
    return count
