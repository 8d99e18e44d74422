"""SQL expressions that read the same on SQLite and PostgreSQL, and the values each driver stores.

The one definition of a moment's local day lives here: the calendar day of a stored moment in the
business's time zone (settings TIME_ZONE), in whole days since 1970-01-01. PostgreSQL converts
with the server's time-zone database (`AT TIME ZONE`); SQLite, which stores UTC text, shifts each
moment by the zone's UTC offset at that moment, looked up in the zone's transitions (a binary
search written as nested CASEs over the stored text, so daylight saving moves the day as it does
on PostgreSQL and in Python). Scoring, the alerts and every other SQL day use it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

EPOCH_JULIAN = 2440587.5  # SQLite's julianday() of 1970-01-01 00:00 UTC
# SQLite's CAST truncates towards zero: days counted from a million days before 1970 keep every
# year from 1 on positive, so the truncation is the floor (as PostgreSQL's date arithmetic).
_FLOOR_SHIFT = 1_000_000
# The span whose zone transitions SQLite's local day knows; before and after it the offsets at
# its ends hold.
TRANSITIONS_FROM, TRANSITIONS_TO = date(1900, 1, 1), date(2100, 1, 1)
# They are found a week at a time (a zone's offset does not change twice in a week), then to the
# second by bisection.
SCAN_DAYS = 7


def postgresql() -> bool:
    return connection.vendor == "postgresql"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def local_day(moment: str, zone: str | None = None) -> str:
    """SQL for the local day of the moment column `moment` (NULL stays NULL), in days since
    1970-01-01, in `zone` (default: settings TIME_ZONE)."""
    zone = zone or settings.TIME_ZONE
    if postgresql():
        return f"(({moment} AT TIME ZONE {_literal(zone)})::date - DATE '1970-01-01')"
    return _sqlite_local_day(moment, zone)


@functools.lru_cache(maxsize=256)
def _sqlite_local_day(moment: str, zone: str) -> str:
    instants, offsets = zone_offsets(zone)
    shifted = f"julianday({moment}, {_offset_case(moment, instants, offsets)})"
    if offsets == (0,):
        shifted = f"julianday({moment})"
    return f"(CAST({shifted} - {EPOCH_JULIAN - _FLOOR_SHIFT} AS INTEGER) - {_FLOOR_SHIFT})"


def date_day(column: str) -> str:
    """SQL for a date column in days since 1970-01-01."""
    if postgresql():
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - {EPOCH_JULIAN} AS INTEGER)"


@functools.lru_cache(maxsize=16)
def zone_offsets(zone: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The UTC offsets of `zone` (seconds) and the UTC instants from which each holds, as SQLite
    stores them ("YYYY-MM-DD HH:MM:SS"; the first holds from the beginning and has no instant)."""
    tz = ZoneInfo(zone)
    start = datetime.combine(TRANSITIONS_FROM, datetime.min.time(), tzinfo=UTC)

    def offset(moment: datetime) -> int:
        return int(moment.astimezone(tz).utcoffset().total_seconds())

    instants: list[str] = [""]
    offsets = [offset(start)]
    step = timedelta(days=SCAN_DAYS)
    for n in range((TRANSITIONS_TO - TRANSITIONS_FROM).days // SCAN_DAYS + 1):
        after = start + (n + 1) * step
        if offset(after) == offsets[-1]:
            continue
        low, high = 0, SCAN_DAYS * 86_400  # the change is in this step: its second, by bisection
        before = after - step
        while high - low > 1:
            middle = (low + high) // 2
            if offset(before + timedelta(seconds=middle)) == offsets[-1]:
                low = middle
            else:
                high = middle
        changed = before + timedelta(seconds=high)
        instants.append(changed.replace(tzinfo=None).isoformat(sep=" "))
        offsets.append(offset(changed))
    return tuple(instants), tuple(offsets)


def _offset_case(column: str, instants: tuple[str, ...], offsets: tuple[int, ...]) -> str:
    """The julianday() modifier of the offset in force at `column`: nested CASEs, a binary
    search over the instants (a few comparisons a row however many transitions)."""
    if len(offsets) == 1:
        return f"'{offsets[0]:+d} seconds'"
    middle = len(offsets) // 2
    earlier = _offset_case(column, instants[:middle], offsets[:middle])
    later = _offset_case(column, instants[middle:], offsets[middle:])
    return f"CASE WHEN {column} < '{instants[middle]}' THEN {earlier} ELSE {later} END"


def as_float(expression: str) -> str:
    """A number as a double (REAL is single precision on PostgreSQL)."""
    return f"CAST({expression} AS {'double precision' if postgresql() else 'REAL'})"


def float_literal(value: float) -> str:
    """A double constant: PostgreSQL reads 1.0 as numeric, whose conversion to double precision
    goes through text; a typed literal keeps the expression double precision."""
    return f"{float(value)!r}::double precision" if postgresql() else repr(float(value))


def value_case(column: str, values: Mapping[str, float], default: float) -> str:
    """A double per text value of `column` (e.g. a rate per currency code); `default` otherwise.
    Only codes of letters, digits and underscores are listed (they are written into the SQL)."""
    cases = " ".join(
        f"WHEN '{code}' THEN {float_literal(value)}"
        for code, value in values.items()
        if code.replace("_", "").isalnum()
    )
    return f"(CASE {column} {cases} ELSE {float_literal(default)} END)"


def flag(condition: str) -> str:
    """1 where `condition` holds, else 0."""
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def date_text(column: str) -> str:
    """A date column as ISO text (a CAST to text follows the server's DateStyle on PostgreSQL)."""
    if postgresql():
        return f"to_char({column}, 'YYYY-MM-DD')"
    return f"CAST({column} AS TEXT)"


def is_distinct(left: str, right: str) -> str:
    """True where the values differ, NULL counting as a value."""
    return f"{left} {'IS DISTINCT FROM' if postgresql() else 'IS NOT'} {right}"


def json_type() -> str:
    return "jsonb" if postgresql() else "text"


def json_merge(target: str, new: str) -> tuple[str, str]:
    """The JSON object `target` with the keys of `new` set over it, and the condition that the
    merge changes `target`."""
    if postgresql():
        merged = f"{target} || {new}"
        return merged, f"({merged}) IS DISTINCT FROM {target}"
    merged = f"json_patch({target}, {new})"
    return merged, f"{merged} IS NOT json({target})"


def json_keys(table: str, column: str) -> str:
    """A query of the distinct keys of the JSON objects in `table`.`column`."""
    if postgresql():
        return f"SELECT DISTINCT jsonb_object_keys({column}) FROM {table}"
    return f"SELECT DISTINCT j.key FROM {table}, json_each({table}.{column}) j"


def temporary_table(name: str, definition: str) -> str:
    """CREATE a temporary table, dropped at the commit where the database can."""
    if postgresql():
        return f"CREATE TEMPORARY TABLE {name} ({definition}) ON COMMIT DROP"
    return f"CREATE TEMP TABLE {name} ({definition})"


def temporary_table_drop(name: str) -> None:
    """Drop a `temporary_table` once its work is done where the commit does not (SQLite; on
    PostgreSQL ON COMMIT DROP has done it)."""
    if postgresql():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def moment_value(moment: datetime) -> Any:
    """An aware moment as this database's driver takes it in a bulk write: on SQLite the text
    Django's backend stores (UTC, no offset), so stored and written values compare equal."""
    if postgresql():
        return moment
    return str(moment.astimezone(UTC).replace(tzinfo=None))


def day_value(day: date) -> Any:
    """A date as this database's driver takes it in a bulk write."""
    return day if postgresql() else day.isoformat()


def hash_memory(cursor: Any, megabytes: int = 256) -> None:
    """Let the rest of the transaction hash and sort in memory (a join of a million rows spills
    to disk in batches under PostgreSQL's default 4 MB); nothing elsewhere."""
    if postgresql():
        cursor.execute(f"SET LOCAL work_mem = '{int(megabytes)}MB'")


def hash_joins(cursor: Any) -> None:
    """Let the rest of the transaction join by hashing rather than by a nested loop of index
    look-ups, which PostgreSQL picks when it underestimates a join of many rows (the survey
    answers of the customers of every reseller: 0.9 s instead of 2.7 s); nothing elsewhere."""
    if postgresql():
        cursor.execute("SET LOCAL enable_nestloop = off")


def indexed_name_key() -> bool:
    """Whether an upper-cased name compared byte by byte (COLLATE "C") can be read as a range of
    an index: on PostgreSQL (customers' `customer_name_key_idx`); SQLite scans instead."""
    return postgresql()


def connection_lost(error: BaseException) -> bool:
    """Whether `error` is the database connection failing (the server ended it, the network
    dropped it), as Django wraps it or as the driver raises it from a raw cursor (COPY)."""
    from django.db import InterfaceError, OperationalError

    if isinstance(error, OperationalError | InterfaceError):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - SQLite-only installs
        return False
    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)
