"""Replace every row of a table on PostgreSQL by building a copy beside it and swapping it in.

A batch run rewrites all of `insights_customerscore`: a million rows into a table with a dozen
indexes. Deleting and inserting into the live table maintains every index row by row and checks
the deferred foreign keys row by row at commit (together about 55 s on a million customers).
Here the rows go by COPY into a bare table of the same columns, the indexes are built once over
the loaded rows, the foreign keys are validated in one pass each, and then, at the end of the
caller's transaction, the live table is dropped and the new one takes its name, its indexes'
names and its constraints' names — what the migrations know is unchanged.

A copy filled by several processes (a distributed run's ranges) is committed before it is
swapped: `table_build` then builds its indexes several at once on connections of their own, and
the swap's transaction only renames.

Readers keep reading the old table until the commit: the exclusive lock is taken only for the
final swap. A real-time re-score that commits while the batch run is writing is replaced by the
batch's answer for that customer (as it would be with delete-and-insert).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from daur.db.bulk import foreign_key_definitions, index_definitions
from daur.db.snapshot import on_own_connection

CONSTRAINT_DEFINITION = re.compile(
    r"^(PRIMARY KEY|UNIQUE)(?: NULLS NOT DISTINCT)? \([^)]*\)(?: INCLUDE \([^)]*\))?(.*)$", re.S
)
INDEX_DEFINITION = re.compile(r"^(CREATE (?:UNIQUE )?INDEX )(\S+)( ON (?:ONLY )?)(\S+)( .*)$", re.S)


def replaceable(table: str) -> bool:
    """A swap needs PostgreSQL and no foreign key of another table pointing at this one."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass",
            [table],
        )
        return cursor.fetchone() is None


def table_replace(table: str, load: Callable[[str], None]) -> None:
    """Inside the caller's transaction: `load(name)` fills a bare copy of `table`, which then
    replaces it with the same indexes and constraints."""
    load(table_prepare(table))
    table_swap(table)


def table_prepare(table: str) -> str:
    """Create the bare copy of `table` (dropping a leftover one) and return its name. A copy
    filled by several processes (a distributed run's ranges) is prepared in a committed
    transaction of its own; `table_swap` then builds its indexes and swaps it in."""
    shadow = _shadow_name(table)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{shadow}"')
        # Columns, NOT NULL, defaults, generated columns' expressions and CHECK constraints
        # (same names); no index, no key.
        cursor.execute(
            f'CREATE TABLE "{shadow}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING GENERATED'
            " INCLUDING CONSTRAINTS)"
        )
    return shadow


def table_discard(table: str) -> None:
    """Drop a prepared copy that will not be swapped in (a run that failed)."""
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{_shadow_name(table)}"')


def table_build(table: str, *, connections: int = 2) -> None:
    """Outside a transaction, on a copy filled and committed (a distributed run's): build the
    copy's indexes, up to `connections` at once on connections of their own (one server process
    each), then its constraints and statistics, so that `table_swap(table, built=True)` has only
    names to change. A copy that is then discarded takes them with it."""
    if connection.in_atomic_block:
        raise RuntimeError("table_build runs outside a transaction (the copy is committed)")
    shadow = _shadow_name(table)
    with connection.cursor() as cursor:
        indexes = index_definitions(cursor, table, primary_key=True)
        foreign_keys = foreign_key_definitions(cursor, table)
    statements = [
        _index_on(definition, _shadow_name(constraint or name), shadow)
        for name, definition, constraint, _ in indexes
    ]
    if statements:
        with ThreadPoolExecutor(max(1, min(connections, len(statements)))) as pool:
            for done in [pool.submit(on_own_connection, _build, s) for s in statements]:
                done.result()
    with connection.cursor() as cursor:
        for _, _, constraint, constraint_definition in indexes:
            if constraint:  # the key or unique constraint takes the index just built
                temporary = _shadow_name(constraint)
                kind, tail = _constraint_parts(constraint_definition)
                cursor.execute(
                    f'ALTER TABLE "{shadow}" ADD CONSTRAINT "{temporary}" {kind} '
                    f'USING INDEX "{temporary}"{tail}'
                )
        for name, definition in foreign_keys:
            cursor.execute(
                f'ALTER TABLE "{shadow}" ADD CONSTRAINT "{_shadow_name(name)}" {definition}'
            )
        cursor.execute(f'ANALYZE "{shadow}"')


def _build(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute(statement)


def _constraint_parts(definition: str) -> tuple[str, str]:
    """("PRIMARY KEY" or "UNIQUE", what follows the columns: DEFERRABLE and the like)."""
    match = CONSTRAINT_DEFINITION.match(definition)
    if match is None:
        raise ValueError(f"unexpected constraint definition: {definition}")
    return match.group(1), match.group(2)


def table_swap(table: str, *, built: bool = False) -> None:
    """Inside the caller's transaction: give the filled copy the indexes and constraints of
    `table` (unless `table_build` did), then let it take the table's place and names."""
    shadow = _shadow_name(table)
    with connection.cursor() as cursor:
        indexes = index_definitions(cursor, table, primary_key=True)
        foreign_keys = foreign_key_definitions(cursor, table)
        if not built:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        renames: list[str] = []
        for name, definition, constraint, constraint_definition in indexes:
            temporary = _shadow_name(constraint or name)
            if constraint:
                if not built:
                    cursor.execute(
                        f'ALTER TABLE "{shadow}" ADD CONSTRAINT "{temporary}" '
                        f"{constraint_definition}"
                    )
                renames.append(
                    f'ALTER TABLE "{table}" RENAME CONSTRAINT "{temporary}" TO "{constraint}"'
                )
            else:
                if not built:
                    cursor.execute(_index_on(definition, temporary, shadow))
                renames.append(f'ALTER INDEX "{temporary}" RENAME TO "{name}"')
        for name, definition in foreign_keys:
            temporary = _shadow_name(name)
            if not built:
                cursor.execute(
                    f'ALTER TABLE "{shadow}" ADD CONSTRAINT "{temporary}" {definition}'
                )
            renames.append(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{temporary}" TO "{name}"')
        cursor.execute(f'DROP TABLE "{table}"')
        cursor.execute(f'ALTER TABLE "{shadow}" RENAME TO "{table}"')
        for statement in renames:
            cursor.execute(statement)
        if not built:
            cursor.execute(f'ANALYZE "{table}"')


def shadow_name(table: str) -> str:
    return _shadow_name(table)


def _shadow_name(name: str) -> str:
    return f"{name[:57]}_shadow"


def _index_on(definition: str, name: str, table: str) -> str:
    match = INDEX_DEFINITION.match(definition)
    if match is None:
        raise ValueError(f"unexpected index definition: {definition}")
    head, _, on, _, rest = match.groups()
    return f'{head}"{name}"{on}"{table}"{rest}'
