"""The staging table an import loads into, the SQL checks run on it, and the merge into the target.

Rows are validated in Python, loaded into a temporary table (`daur.db.copy`: COPY on PostgreSQL,
executemany on SQLite), checked there as a set (duplicates inside the file, unknown references)
and merged with one INSERT ... SELECT ... ON CONFLICT DO UPDATE that only touches rows whose
values changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from daur.db import bulk, dialect
from daur.db.copy import copy_accepted, rows_insert, text_insert
from daur.interchange.kinds import Kind, Reference

_STRINGS = (models.CharField, models.TextField)


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    reason: str


def _q(name: str) -> str:
    return f'"{name}"'


class Staging:
    """One import's temporary table and the SQL around it."""

    def __init__(
        self,
        *,
        connection: BaseDatabaseWrapper,
        kind: Kind,
        present: Sequence[str],
        has_custom: bool,
    ) -> None:
        self.connection = connection
        self.kind = kind
        self.present = set(present)
        self.has_custom = has_custom
        self.takes_copy_text = copy_accepted()  # chunks may come as COPY text (`load_text`)
        self.model = apps.get_model(kind.model)
        self.target = self.model._meta.db_table
        self.table = f"daur_stage_{kind.name}_{secrets.token_hex(4)}"
        self.columns = ["line", *kind.column_names]
        if kind.natural_key:
            self.columns.append("natural_key")
        if has_custom:
            self.columns.append("custom_fields")

    # -- loading ---------------------------------------------------------------------------
    def _staging_type(self, column: str) -> str:
        if column == "line":
            return "integer"
        if column == "custom_fields":
            return dialect.json_type()
        if column == "natural_key":
            return "text"
        spec = self.kind.column(column)
        if spec.reference is not None:
            return "text"
        field = self.model._meta.get_field(spec.field)
        if isinstance(field, _STRINGS):
            return "text"
        return field.db_type(self.connection)

    def create(self) -> None:
        definition = ", ".join(f"{_q(c)} {self._staging_type(c)}" for c in self.columns)
        with self.connection.cursor() as cursor:
            cursor.execute(dialect.temporary_table(self.table, definition))

    def load(self, columns: Sequence[Sequence[Any]]) -> None:
        """Stage a chunk given as columns, in the order of `self.columns`."""
        rows_insert(self.table, [_q(c) for c in self.columns], columns)

    def load_text(self, data: bytes) -> None:
        """Stage a chunk already formatted as COPY text (where `self.takes_copy_text`)."""
        text_insert(self.table, [_q(c) for c in self.columns], data)

    def index(self) -> None:
        """Prepare the staged rows for the checks and the merge."""
        with self.connection.cursor() as cursor:
            bulk.staged_ready(cursor, self.table, [_q(c) for c in self.kind.key])

    def count(self) -> int:
        return self._scalar(f"SELECT COUNT(*) FROM {self.table}")

    # -- checks ----------------------------------------------------------------------------
    def duplicates(self) -> Iterable[Problem]:
        keys = self.kind.key
        key_list = ", ".join(_q(k) for k in keys)
        joined = " AND ".join(f"f.{_q(k)} = s.{_q(k)}" for k in keys)
        shown = (
            self.kind.key
            if self.kind.natural_key is None
            else ("customer_id", "lead_id", "kind", "occurred_at")
        )
        sql = (
            f"SELECT s.line, f.first_line FROM {self.table} s JOIN ("
            f"SELECT {key_list}, MIN(line) AS first_line FROM {self.table} "
            f"GROUP BY {key_list} HAVING COUNT(*) > 1) f ON {joined} "
            f"WHERE s.line > f.first_line ORDER BY s.line"
        )
        label = ", ".join(shown)
        for line, first in self._rows(sql):
            yield Problem(
                line, shown[0], f"duplicate of line {first}: the same {label} appears twice"
            )

    def unknown_references(self) -> Iterable[Problem]:
        for spec in self.kind.columns:
            ref = spec.reference
            if ref is None or spec.name not in self.present:
                continue
            table, key_column, pk = self._ref_table(ref)
            col = _q(spec.name)
            sql = (
                f"SELECT s.line, s.{col} FROM {self.table} s "
                f"LEFT JOIN {table} r ON r.{key_column} = s.{col} "
                f"WHERE s.{col} IS NOT NULL AND r.{pk} IS NULL"
            )
            if ref.model == self.kind.model:  # a customer referred by one in the same file
                own_key = _q(self.kind.key[0])
                sql += (
                    f" AND NOT EXISTS (SELECT 1 FROM {self.table} s2 WHERE s2.{own_key} = s.{col})"
                )
            noun = apps.get_model(ref.model)._meta.verbose_name
            for line, value in self._rows(sql + " ORDER BY s.line"):
                yield Problem(line, spec.name, f"no {noun} {value!r} exists (import it first)")
            if ref.condition is not None:
                condition, reason = ref.condition
                sql = (
                    f"SELECT s.line, s.{col} FROM {self.table} s "
                    f"JOIN {table} r ON r.{key_column} = s.{col} WHERE NOT ({condition}) "
                    "ORDER BY s.line"
                )
                for line, value in self._rows(sql):
                    yield Problem(line, spec.name, f"{value!r} {reason}")

    def discard(self, lines: Iterable[int]) -> None:
        with self.connection.cursor() as cursor:
            bulk.rows_delete(cursor, self.table, "line", sorted(set(lines)))

    # -- merge -----------------------------------------------------------------------------
    def _ref_table(self, ref: Reference) -> tuple[str, str, str]:
        model = apps.get_model(ref.model)
        meta = model._meta
        return meta.db_table, _q(meta.get_field(ref.key_field).column), _q(meta.pk.column)

    def _selected(self) -> tuple[list[str], list[str], list[str], list[str]]:
        """Target columns, their SELECT expressions, the joins they need, the columns updated."""
        targets, exprs, joins, updated = [], [], [], []
        carry: list[tuple[str, str, str]] = []  # (column, expression, the reference's column)
        keep_existing = any(c.keep_if_empty for c in self.kind.columns)
        for n, spec in enumerate(self.kind.columns):
            field = self.model._meta.get_field(spec.field)
            target = _q(field.column)
            if spec.reference is not None:
                table, key_column, pk = self._ref_table(spec.reference)
                alias = f"r{n}"
                joins.append(
                    f"LEFT JOIN {table} {alias} ON {alias}.{key_column} = s.{_q(spec.name)}"
                )
                exprs.append(f"{alias}.{pk}")
                for carried, there in spec.reference.carry:
                    carried_column = _q(self.model._meta.get_field(carried).column)
                    carry.append((carried_column, f"{alias}.{_q(there)}", spec.name))
            elif spec.keep_if_empty:
                exprs.append(f"COALESCE(s.{_q(spec.name)}, e.{target}, %(now)s)")
            else:
                exprs.append(f"s.{_q(spec.name)}")
            targets.append(target)
            if spec.name in self.present and spec.field not in self.kind.conflict_fields:
                updated.append(target)
        for carried_column, expr, name in carry:  # after the columns: their positions hold
            targets.append(carried_column)
            exprs.append(expr)
            if name in self.present:
                updated.append(carried_column)
        if self.kind.natural_key:
            targets.append('"natural_key"')
            exprs.append('s."natural_key"')
        if keep_existing:
            conflict = self._conflict_exprs(targets, exprs)
            on = " AND ".join(f"e.{col} = {expr}" for col, expr in conflict)
            joins.append(f"LEFT JOIN {self.target} e ON {on}")
        return targets, exprs, joins, updated

    def _conflict_exprs(self, targets: list[str], exprs: list[str]) -> list[tuple[str, str]]:
        columns = [_q(self.model._meta.get_field(f).column) for f in self.kind.conflict_fields]
        return [(col, exprs[targets.index(col)]) for col in columns]

    def matched(self) -> int:
        """How many staged rows already exist in the target."""
        targets, exprs, joins, _ = self._selected()
        joins = [j for j in joins if not j.startswith(f"LEFT JOIN {self.target} e ")]
        on = " AND ".join(f"m.{col} = {expr}" for col, expr in self._conflict_exprs(targets, exprs))
        return self._scalar(
            f"SELECT COUNT(*) FROM {self.table} s {' '.join(joins)} JOIN {self.target} m ON {on}"
        )

    def merge(self, *, now: Any, new_rows: int = 0) -> int:
        """Insert new rows, update changed ones; returns how many rows were written. `new_rows`,
        how many are new, decides whether indexes are rebuilt in bulk (see bulk.py)."""
        targets, exprs, joins, updated = self._selected()
        conflict = ", ".join(col for col, _ in self._conflict_exprs(targets, exprs))
        sets = [f"{col} = excluded.{col}" for col in updated]
        changed = [
            dialect.is_distinct(f"{self.target}.{col}", f"excluded.{col}") for col in updated
        ]
        targets.append('"updated_at"')
        exprs.append("%(now)s")
        targets.append('"custom_fields"')
        if self.has_custom:
            exprs.append('s."custom_fields"')
            merged, differs = dialect.json_merge(
                f"{self.target}.custom_fields", "excluded.custom_fields"
            )
            changed.append(differs)
            sets.append(f"custom_fields = {merged}")
        else:
            exprs.append("'{}'")
        sets.append('"updated_at" = excluded."updated_at"')
        action = (
            f"DO UPDATE SET {', '.join(sets)} WHERE {' OR '.join(changed)}"
            if changed
            else "DO NOTHING"
        )
        match = " AND ".join(
            f"m.{col} = {expr}" for col, expr in self._conflict_exprs(targets, exprs)
        )
        insert = (
            f"INSERT INTO {self.target} ({', '.join(targets)}) "
            f"SELECT {', '.join(exprs)} FROM {self.table} s {' '.join(joins)} "
        )
        upsert = f"ON CONFLICT ({conflict}) {action}"
        with self.connection.cursor() as cursor:
            if not bulk.worth_it(cursor, self.target, new_rows):
                written = self._write(cursor, f"{insert} WHERE 1 = 1 ORDER BY s.line {upsert}", now)
            else:
                # Existing rows first, while the unique index finds them; then the new ones with
                # a plain INSERT, with no index but the primary key to maintain.
                exists = f"EXISTS (SELECT 1 FROM {self.target} m WHERE {match})"
                ordered = f"{insert} WHERE {exists} ORDER BY s.line {upsert}"
                written = self._write(cursor, ordered, now)
                with bulk.SetAside(cursor, self.target):
                    written += self._write(
                        cursor, f"{insert} WHERE NOT {exists} ORDER BY s.line", now
                    )
            self._link_new_self_references(cursor)
        return written

    def _write(self, cursor: Any, sql: str, now: Any) -> int:
        cursor.execute(sql, {"now": now})
        return cursor.rowcount

    def _link_new_self_references(self, cursor: Any) -> None:
        """Point rows at referrers that the same file created (the merge saw them as missing)."""
        for spec in self.kind.columns:
            ref = spec.reference
            if ref is None or ref.model != self.kind.model or spec.name not in self.present:
                continue
            column = _q(self.model._meta.get_field(spec.field).column)
            _, key_column, pk = self._ref_table(ref)
            own = _q(self.kind.key[0])
            cursor.execute(
                f"UPDATE {self.target} SET {column} = (SELECT r.{pk} FROM {self.table} s "
                f"JOIN {self.target} r ON r.{key_column} = s.{_q(spec.name)} "
                f"WHERE s.{own} = {self.target}.{key_column}) "
                f"WHERE {column} IS NULL AND {key_column} IN "
                f"(SELECT s.{own} FROM {self.table} s WHERE s.{_q(spec.name)} IS NOT NULL)"
            )
        # Not counted: rows linked here were just created or already counted as updated.

    def affected_customers(self, limit: int) -> list[int]:
        """Primary keys of the customers this file's rows belong to (at most `limit` + 1)."""
        if self.kind.name == "order_lines":
            sql = (
                f"SELECT DISTINCT o.customer_id FROM {self.table} s "
                'JOIN sales_order o ON o.external_id = s."order_id"'
            )
        elif "customer_id" in self.kind.column_names and self.kind.name != "customers":
            sql = (
                f"SELECT DISTINCT c.id FROM {self.table} s "
                'JOIN customers_customer c ON c.external_id = s."customer_id"'
            )
        else:
            return []
        return [row[0] for row in self._rows(f"{sql} LIMIT {int(limit) + 1}")]

    def drop(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    # -- helpers ---------------------------------------------------------------------------
    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows of a query over the staged table (`self.table`)."""
        return self._rows(sql)

    def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def _scalar(self, sql: str) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
            return int(cursor.fetchone()[0])
