"""The customer list's query string as filters and back: one parser for the list's saved
segments, the command line and the segment figures (the web form validates the same values)."""

from __future__ import annotations

import math
from dataclasses import fields
from urllib.parse import parse_qsl, urlencode

from daur import vocabulary
from daur.analytics.lifecycle import LIFECYCLE_STAGES
from daur.analytics.orientation import ORIENTATIONS
from daur.analytics.rfm import SEGMENTS
from daur.analytics.strategy import STRATEGIES
from daur.analytics.typology import TYPE_LABELS
from daur.customers.selectors import SORTS, CustomerFilters
from daur.definitions.customers import ACTIVE

MATCHES = ("words", "prefix", "contains")
# Field -> its allowed values (a tuple), or the longest text it takes (an int), or int: a number.
CHOICES: dict[str, tuple[str, ...]] = {
    "match": MATCHES,
    "stage": (ACTIVE, *LIFECYCLE_STAGES),
    "type": TYPE_LABELS,
    "orientation": ORIENTATIONS,
    "segment": SEGMENTS,
    "strategy": STRATEGIES,
    "relationship": vocabulary.RELATIONSHIPS,
    "sort": tuple(SORTS),
}
TEXTS = {"q": 100, "country": 64, "city": 128}
NUMBERS = {
    "rfm_r": range(1, 6), "rfm_f": range(1, 6), "owner": range(1, 2**31), "persona": range(1, 2**31)
}
AMOUNTS = ("clv_min", "clv_max")  # money in the base currency, a decimal point
AMOUNT_LIMIT = 1e18
# The list's paging is not part of what it holds.
IGNORED = ("cursor",)
FIELDS = (*TEXTS, *CHOICES, *NUMBERS, *AMOUNTS)
MAX_QUERY = 2000


class FilterQueryError(ValueError):
    """A query string the customer list does not understand (the message is one line)."""


def filters_from_query(query: str) -> CustomerFilters:
    """The filters of a list query string ("stage=retention&rfm_r=5"); a leading "?" is
    allowed, an empty value means "any", the last of a repeated field counts. An unknown field or
    a value the list's form would not accept raises FilterQueryError."""
    query = query.strip().removeprefix("?")
    if len(query) > MAX_QUERY:
        raise FilterQueryError(f"the query is longer than {MAX_QUERY} characters")
    values: dict[str, object] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as error:
        raise FilterQueryError(f"not a query string: {error}") from None
    for name, raw in pairs:
        raw = raw.strip()
        if name in IGNORED:
            continue
        if name not in FIELDS:
            known = ", ".join(FIELDS)
            raise FilterQueryError(f"unknown filter field {name!r} (known: {known})")
        if raw == "":
            values.pop(name, None)
            continue
        values[name] = _value(name, raw)
    return CustomerFilters(**values)


def _value(name: str, raw: str) -> object:
    if name in TEXTS:
        if len(raw) > TEXTS[name] or "\x00" in raw:
            raise FilterQueryError(f"{name}: at most {TEXTS[name]} characters of text")
        return raw
    if name in CHOICES:
        if raw not in CHOICES[name]:
            raise FilterQueryError(
                f"{name}: {raw!r} is not one of {', '.join(CHOICES[name])}"
            )
        return raw
    if name in AMOUNTS:
        try:
            amount = float(raw)
        except ValueError:
            amount = None
        if amount is None or not math.isfinite(amount) or abs(amount) > AMOUNT_LIMIT:
            raise FilterQueryError(f"{name}: {raw!r} is not an amount")
        return amount
    try:
        number = int(raw)
    except ValueError:
        number = None
    if number is None or number not in NUMBERS[name]:
        raise FilterQueryError(f"{name}: {raw!r} is not a valid number here")
    return number


def filters_query(filters: CustomerFilters) -> str:
    """The query string of the filters, in field order, without the defaults and the page."""
    defaults = CustomerFilters()
    pairs = [
        (f.name, getattr(filters, f.name))
        for f in fields(CustomerFilters)
        if f.name not in IGNORED and getattr(filters, f.name) != getattr(defaults, f.name)
    ]
    return urlencode([(k, v) for k, v in pairs if v not in ("", None)])
