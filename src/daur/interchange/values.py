"""Parsers for the values of SPEC §3: each turns a CSV string into a Python value or says why not.

A parser raises ValueError whose message is the reason shown to the user, next to the line and
column. Parsers are built once per import. Most also carry a `fast` form that parses a whole
column at once and gives the same values, or raises to hand the column to the one-value form,
which finds the bad values and says why: a million-row import spends microseconds per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from operator import attrgetter, methodcaller
from typing import Any

Parser = Callable[[str], Any]

_DECIMAL = re.compile(r"[+-]?\d+(\.\d+)?")
_COMMA_DECIMAL = re.compile(r"[+-]?\d+,\d+")
_INTEGER = re.compile(r"[+-]?\d+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no"})
NOTE_MAX_CHARS = 20_000
# The dates an import accepts (docs/interchange.md). Nothing before 1900: an older date is a typo
# or a placeholder (0001-01-01). An event (an order, a visit, an answer) at most a day after the
# import, for clocks and zones: a later one has not happened, and would stretch every period,
# KPI window and recency to it. A planned day (a launch, a campaign's end) up to ten years ahead.
EARLIEST_DAY = date(1900, 1, 1)
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
EVENT_GRACE = timedelta(days=1)
PLANNED_AHEAD = timedelta(days=3653)


def parse_column(parse: Parser, column: Sequence[str]) -> tuple[list[Any], list[tuple[int, str]]]:
    """Parse every value of a column: the values, and (position, reason) for each bad one."""
    fast = getattr(parse, "fast", None)
    if fast is not None:
        try:
            return fast(column), []
        except (ValueError, TypeError, OverflowError):
            pass  # some value is bad: the one-value form below says which and why
    values: list[Any] = []
    problems: list[tuple[int, str]] = []
    for position, raw in enumerate(column):
        try:
            values.append(parse(raw))
        except ValueError as error:
            values.append(None)
            problems.append((position, str(error)))
    return values, problems


def _with_fast(parse: Parser, fast: Callable[[Sequence[str]], list[Any]]) -> Parser:
    parse.fast = fast  # type: ignore[attr-defined]
    return parse


def _fits(column: Sequence[str], max_length: int) -> bool:
    return max(map(len, column), default=0) <= max_length and "\x00" not in "".join(column)


class Required(ValueError):
    """A required value is empty."""

    def __init__(self) -> None:
        super().__init__("is required but empty")


def check_text(raw: str, max_length: int) -> str:
    if len(raw) > max_length:
        raise ValueError(f"is {len(raw):,} characters long; at most {max_length:,} are allowed")
    if "\x00" in raw:
        raise ValueError("contains a NUL character")
    return raw


def text(*, max_length: int, required: bool = False, strip: bool = True) -> Parser:
    def parse(raw: str) -> str:
        value = raw.strip() if strip else raw
        if not value:
            if required:
                raise Required()
            return ""
        return check_text(value, max_length)

    def fast(column: Sequence[str]) -> list[str]:
        values = list(map(str.strip, column)) if strip else list(column)
        if (required and "" in values) or not _fits(values, max_length):
            raise ValueError
        return values

    return _with_fast(parse, fast)


def optional_text(*, max_length: int) -> Parser:
    """Text that is None (not "") when empty: used for references by external id."""

    def parse(raw: str) -> str | None:
        value = raw.strip()
        return check_text(value, max_length) if value else None

    def fast(column: Sequence[str]) -> list[str | None]:
        if not _fits(column, max_length):
            raise ValueError
        return [raw.strip() or None for raw in column]

    return _with_fast(parse, fast)


def email(*, required: bool = False) -> Parser:
    def parse(raw: str) -> str:
        value = raw.strip()
        if not value:
            if required:
                raise Required()
            return ""
        check_text(value, 254)
        if not _EMAIL.fullmatch(value):
            raise ValueError(f"{_shown(value)} is not an email address")
        return value

    def fast(column: Sequence[str]) -> list[str]:
        values = [raw.strip() for raw in column]
        filled = [value for value in values if value]
        if (required and len(filled) < len(values)) or not _fits(filled, 254):
            raise ValueError
        if not all(map(_EMAIL.fullmatch, filled)):
            raise ValueError
        return values

    return _with_fast(parse, fast)


def choice(
    values: tuple[str, ...], *, default: str | None = None, required: bool = False
) -> Parser:
    allowed = frozenset(values)
    listed = ", ".join(values)

    def parse(raw: str) -> str | None:
        value = raw.strip().lower()
        if not value:
            if required:
                raise Required()
            return default
        if value not in allowed:
            raise ValueError(f"{_shown(raw)} is not one of: {listed}")
        return value

    def fast(column: Sequence[str]) -> list[str | None]:
        values = list(map(str.lower, map(str.strip, column)))
        seen = set(values)
        if "" in seen and required:
            raise ValueError
        if not seen - {""} <= allowed:
            raise ValueError
        return [value or default for value in values]

    return _with_fast(parse, fast)


def decimal(
    *,
    max_digits: int = 16,
    places: int = 2,
    required: bool = False,
    default: Decimal | None = None,
    minimum: Decimal | None = None,
    positive: bool = False,
) -> Parser:
    largest = Decimal(10) ** (max_digits - places) - Decimal(1).scaleb(-places)
    # Within bounds by construction: at most max_digits - places digits before the dot.
    in_bounds = re.compile(rf"[+-]?\d{{1,{max_digits - places}}}(?:\.\d{{1,{places}}})?").fullmatch

    def parse(raw: str) -> Decimal | None:
        value = raw.strip()
        if not value:
            if required:
                raise Required()
            return default
        if not _DECIMAL.fullmatch(value):
            if _COMMA_DECIMAL.fullmatch(value):
                raise ValueError(
                    f"{_shown(value)} uses a comma; write decimals with a dot "
                    f"({value.replace(',', '.')})"
                )
            raise ValueError(f"{_shown(value)} is not a number")
        number = Decimal(value)
        if -number.as_tuple().exponent > places:
            raise ValueError(f"{_shown(value)} has more than {places} decimals")
        if abs(number) > largest:
            raise ValueError(f"{_shown(value)} is larger than the largest value stored ({largest})")
        if positive and number <= 0:
            raise ValueError(f"{_shown(value)} must be greater than zero")
        if minimum is not None and number < minimum:
            raise ValueError(f"{_shown(value)} must be at least {minimum}")
        return number

    def fast(column: Sequence[str]) -> list[Decimal | None]:
        values = list(map(str.strip, column))
        filled = list(filter(None, values))
        if (required and len(filled) < len(values)) or not all(map(in_bounds, filled)):
            raise ValueError
        if len(filled) == len(values):  # no empty value: one C-level pass
            numbers: list[Decimal | None] = list(map(Decimal, values))
        else:
            numbers = [Decimal(value) if value else default for value in values]
        present = [number for number in numbers if number is not None]
        if present and positive and min(present) <= 0:
            raise ValueError
        if present and minimum is not None and min(present) < minimum:
            raise ValueError
        return numbers

    return _with_fast(parse, fast)


def integer(*, low: int, high: int, required: bool = False) -> Parser:
    def parse(raw: str) -> int | None:
        value = raw.strip()
        if not value:
            if required:
                raise Required()
            return None
        if not _INTEGER.fullmatch(value) or len(value) > 12:
            raise ValueError(f"{_shown(value)} is not a whole number")
        number = int(value)
        if not low <= number <= high:
            raise ValueError(f"{number} is outside {low}–{high}")
        return number

    def fast(column: Sequence[str]) -> list[int | None]:
        values = [raw.strip() for raw in column]
        if required and "" in values:
            raise ValueError
        numbers = [int(value) if value else None for value in values]
        present = [number for number in numbers if number is not None]
        if present and (min(present) < low or max(present) > high):
            raise ValueError
        if not all(map(_INTEGER.fullmatch, filter(None, values))):
            raise ValueError
        return numbers

    return _with_fast(parse, fast)


def boolean() -> Parser:
    def parse(raw: str) -> bool | None:
        value = raw.strip().lower()
        if not value:
            return None
        if value in TRUE_WORDS:
            return True
        if value in FALSE_WORDS:
            return False
        raise ValueError(f"{_shown(raw)} is not a boolean (true/false, 1/0, yes/no)")

    words = {"": None, **dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}

    def fast(column: Sequence[str]) -> list[bool | None]:
        return [words[raw.strip().lower()] for raw in column]  # KeyError → one by one

    return _with_fast(parse, fast)


def parse_datetime(raw: str, zone: tzinfo) -> datetime:
    """An ISO 8601 date or date-time; a bare date or naive time is in `zone`. The one parser."""
    value = raw.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{_shown(value)} is not an ISO 8601 date or date-time (e.g. 2025-03-04 or "
            "2025-03-04T10:15:00+07:00)"
        ) from None
    # A bare date parses as midnight; it and a time without offset are where the business is.
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it
        raise ValueError(f"{_shown(value)} is out of the range of dates") from None


def _event_checked(moment: datetime, raw: str, latest: datetime) -> datetime:
    if moment < EARLIEST_MOMENT:
        raise ValueError(f"{_shown(raw.strip())} is before {EARLIEST_DAY.isoformat()}")
    if moment > latest:
        raise ValueError(
            f"{_shown(raw.strip())} is in the future (after {latest:%Y-%m-%d %H:%M} UTC): "
            "an event is imported once it has happened"
        )
    return moment


def moment(
    *,
    zone: tzinfo,
    now: datetime,
    required: bool = False,
    store: Callable[[datetime], Any] = lambda d: d,
) -> Parser:
    """A date-time column: when something happened, from 1900 to a day after `now`. `store` turns
    the UTC datetime into what the database driver takes."""
    latest = now + EVENT_GRACE

    def parse(raw: str) -> Any:
        if not raw.strip():
            if required:
                raise Required()
            return None
        return store(_event_checked(parse_datetime(raw, zone), raw, latest))

    def fast(column: Sequence[str]) -> list[Any]:
        stripped = list(map(str.strip, column))
        if "" not in stripped:  # every value given: parse and convert in C-level passes
            parsed = list(map(fromisoformat, stripped))
            if None not in set(map(tzinfo_of, parsed)):
                return stored(list(map(to_utc, parsed)))
        values = []
        for raw in column:
            value = raw.strip()
            if not value:
                if required:
                    raise ValueError
                values.append(None)
                continue
            parsed = fromisoformat(value)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=zone)
            values.append(parsed.astimezone(UTC))
        return stored(values)

    def stored(moments: list[datetime | None]) -> list[Any]:
        if None not in moments:
            if moments and (min(moments) < EARLIEST_MOMENT or max(moments) > latest):
                raise ValueError  # one by one, to say which
            return list(map(store, moments))
        given = [m for m in moments if m is not None]
        if given and (min(given) < EARLIEST_MOMENT or max(given) > latest):
            raise ValueError
        return [None if m is None else store(m) for m in moments]

    fromisoformat = datetime.fromisoformat
    tzinfo_of = attrgetter("tzinfo")
    to_utc = methodcaller("astimezone", UTC)
    return _with_fast(parse, fast)


def day(
    *, today: date, required: bool = False, store: Callable[[date], Any] = lambda d: d
) -> Parser:
    """A calendar day, from 1900 to ten years after `today` (a planned launch or campaign)."""
    latest = today + PLANNED_AHEAD

    def parse(raw: str) -> Any:
        value = raw.strip()
        if not value:
            if required:
                raise Required()
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{_shown(value)} is not an ISO 8601 date (e.g. 2025-03-04)") from None
        if not EARLIEST_DAY <= parsed <= latest:
            raise ValueError(
                f"{_shown(value)} is not between {EARLIEST_DAY.isoformat()} and "
                f"{latest.isoformat()}"
            )
        return store(parsed)

    def fast(column: Sequence[str]) -> list[Any]:
        if required and any(not raw.strip() for raw in column):
            raise ValueError
        days = [date.fromisoformat(raw.strip()) if raw.strip() else None for raw in column]
        given = [d for d in days if d is not None]
        if given and (min(given) < EARLIEST_DAY or max(given) > latest):
            raise ValueError
        return [None if d is None else store(d) for d in days]

    return _with_fast(parse, fast)


def currency(*, default: str, known: Sequence[str]) -> Parser:
    """A currency code: `default` when empty; one of `known` (the base currency and those with an
    exchange rate: any other would be converted at an invented rate)."""
    known_set = frozenset(known)
    listed = ", ".join(known)

    def parse(raw: str) -> str:
        value = raw.strip()
        if not value:
            return default
        if not _CURRENCY.fullmatch(value):
            raise ValueError(f"{_shown(value)} is not a three-letter ISO 4217 currency code")
        if value.upper() not in known_set:
            raise ValueError(
                f"unknown currency {value.upper()} (known: {listed} — set DAUR_EXCHANGE_RATES)"
            )
        return value.upper()

    def fast(column: Sequence[str]) -> list[str]:
        values = [value.upper() if value else default for value in map(str.strip, column)]
        if not known_set.issuperset(values):
            raise ValueError
        return values

    return _with_fast(parse, fast)


def _shown(value: str, limit: int = 40) -> str:
    """A value quoted for an error message, cut short so a 10 MB field does not flood the report."""
    return repr(value if len(value) <= limit else value[:limit] + "…")
