"""Parsers for the values of SPEC §3: each turns a CSV string into a Python value or says why not.

A parser raises ValueError whose message is the reason shown to the user, next to the line and
column. Parsers are built once per import. Most also carry a `fast` form that parses a whole
column at once and gives the same values, or raises to hand the column to the one-value form,
which finds the bad values and says why: a million-row import spends microseconds per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import phonenumbers

from daur.analytics import contact_keys

Parser = Callable[[str], Any]

_DECIMAL = re.compile(r"[+-]?\d+(\.\d+)?")
_COMMA_DECIMAL = re.compile(r"[+-]?\d+,\d+")
_INTEGER = re.compile(r"[+-]?\d+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no"})
NOTE_MAX_CHARS = 20_000


def parse_column(parse: Parser, column: Sequence[str]) -> tuple[list[Any], list[tuple[int, str]]]:
    """Parse every value of a column: the values, and (position, reason) for each bad one."""
    fast = getattr(parse, "fast", None)
    if fast is not None:
        try:
            return fast(column), []
        except (ValueError, TypeError, OverflowError, KeyError):
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


def phone(*, region: str) -> Parser:
    """A phone number in E.164 (+6281234567890); one written without its +country code is read
    as a number of `region` (DAUR_DEFAULT_COUNTRY)."""

    def parse(raw: str) -> str:
        value = raw.strip()
        if not value:
            return ""
        check_text(value, 64)
        number = contact_keys.phone_parsed(value, region)
        if number is None:
            raise ValueError(f"{_shown(value)} is not a phone number")
        if not phonenumbers.is_valid_number(number):
            raise ValueError(f"{_shown(value)} is not a valid phone number")
        return contact_keys.e164(number)

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
