"""Parsers for the values of SPEC §3: each turns a CSV string into a Python value or says why not.

A parser raises ValueError whose message is the reason shown to the user, next to the line and
column. Parsers are built once per import, so the per-row work is a plain function call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
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

    return parse


def optional_text(*, max_length: int) -> Parser:
    """Text that is None (not "") when empty: used for references by external id."""

    def parse(raw: str) -> str | None:
        value = raw.strip()
        return check_text(value, max_length) if value else None

    return parse


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

    return parse


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

    return parse


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

    return parse


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

    return parse


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

    return parse


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
    if len(value) == 10:  # a bare date: midnight where the business is
        parsed = datetime.combine(parsed.date(), time(), tzinfo=zone)
    elif parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def moment(
    *, zone: tzinfo, required: bool = False, store: Callable[[datetime], Any] = lambda d: d
) -> Parser:
    """A date-time column. `store` turns the UTC datetime into what the database driver takes."""

    def parse(raw: str) -> Any:
        if not raw.strip():
            if required:
                raise Required()
            return None
        return store(parse_datetime(raw, zone))

    return parse


def day(*, required: bool = False, store: Callable[[date], Any] = lambda d: d) -> Parser:
    def parse(raw: str) -> Any:
        value = raw.strip()
        if not value:
            if required:
                raise Required()
            return None
        try:
            return store(date.fromisoformat(value))
        except ValueError:
            raise ValueError(f"{_shown(value)} is not an ISO 8601 date (e.g. 2025-03-04)") from None

    return parse


def currency(*, default: str) -> Parser:
    def parse(raw: str) -> str:
        value = raw.strip()
        if not value:
            return default
        if not _CURRENCY.fullmatch(value):
            raise ValueError(f"{_shown(value)} is not a three-letter ISO 4217 currency code")
        return value.upper()

    return parse


def _shown(value: str, limit: int = 40) -> str:
    """A value quoted for an error message, cut short so a 10 MB field does not flood the report."""
    return repr(value if len(value) <= limit else value[:limit] + "…")
