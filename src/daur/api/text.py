"""Text types of the API's schemas: no control characters, no lone surrogates, a length limit,
so that a hostile string is a clear 422, never a database error."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

CONTROL = {chr(c) for c in range(32)} - {"\t"} | {"\x7f"}


def _clean(value: str) -> str:
    if any(c in CONTROL for c in value):
        raise ValueError("contains control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid Unicode text") from None
    return value


def _clean_note(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid Unicode text") from None
    return value


Ident = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_clean)]
Line = Annotated[str, StringConstraints(max_length=255), AfterValidator(_clean)]
Note = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_clean_note)]


def Text(max_length: int):  # noqa: ANN201, N802 - a type
    """One line of text of at most `max_length` characters (a query parameter, a label)."""
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_clean)]


def Prose(max_length: int):  # noqa: ANN201, N802 - a type
    """Text of several lines (a message) of 1 to `max_length` characters."""
    return Annotated[
        str, StringConstraints(min_length=1, max_length=max_length), AfterValidator(_clean_note)
    ]


def clean_ident(value: str) -> str | None:
    """A path's external id if it could name a record (else None: nothing to find)."""
    if not value or len(value) > 64 or any(c in CONTROL for c in value):
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value
