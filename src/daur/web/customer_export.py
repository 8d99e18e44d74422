"""The customer list's CSV export: what a person reads in a spreadsheet and what a script reads.

Each coded value (kind, relationship, stage, types, orientation, RFM segment, strategy) is
written as its name in the user's language, and again as its code in a `*_code` column for
machines; owners by full name beside their user name; money rounded to the currency's decimals
with the currency in its own column; P(alive) to three decimals. Numbers keep the point as the
decimal mark (a CSV's numbers are read by programs); the dates are ISO 8601.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.utils.translation import get_language, gettext, override

from daur.customers.models import Customer
from daur.web.labels import label, translated_names
from daur.web.templatetags.daur import NO_DECIMALS

HEADER = (
    "customer_id", "name", "kind", "relationship", "email", "phone", "country", "city",
    "owner", "created_at", "lifecycle_stage", "types", "orientation", "loyalty_score",
    "rfm_segment", "p_alive", "clv_12m", "currency", "strategy",
    # The codes, for machines.
    "kind_code", "relationship_code", "owner_username", "lifecycle_stage_code", "types_code",
    "orientation_code", "rfm_segment_code", "strategy_code",
)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe_cell(value) -> str:  # noqa: ANN001 - any cell value
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return str(value)


def _rounded(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def export_lines(rows: Iterable[tuple], *, currency: str) -> Iterator[str]:
    """The CSV's lines: the header, then one line per row of customers.selectors.EXPORT_FIELDS,
    in the language active now (the response streams them after the request's middleware)."""
    return _lines(rows, currency=currency, language=get_language())


def _lines(rows: Iterable[tuple], *, currency: str, language: str) -> Iterator[str]:
    with override(language):
        yield from _written(rows, currency=currency)


def _written(rows: Iterable[tuple], *, currency: str) -> Iterator[str]:
    writer = csv.writer(_Echo())
    names = translated_names()
    kinds = {code: gettext(str(name)) for code, name in Customer._meta.get_field("kind").choices}
    money_places = 0 if currency.upper() in NO_DECIMALS else 2
    yield writer.writerow(HEADER)
    for row in rows:
        (external_id, name, kind, relationship, email, phone, country, city, username, first,
         last, created_at, stage, types, orientation, loyalty, segment, p_alive, clv,
         strategy) = row
        type_codes = [t for t in (types or "").split(";") if t]
        owner = f"{first or ''} {last or ''}".strip() or (username or "")
        cells = (
            external_id, name, kinds.get(kind, kind), label("relationship", relationship, names),
            email, phone, country, city, owner, created_at, label("stage", stage or "", names),
            ";".join(label("type", t, names) for t in type_codes),
            label("orientation", orientation or "", names), loyalty,
            label("segment", segment or "", names), _rounded(p_alive, 3),
            _rounded(clv, money_places), currency if clv is not None else "",
            label("strategy", strategy or "", names),
            kind, relationship, username, stage, ";".join(type_codes), orientation, segment,
            strategy,
        )
        yield writer.writerow([_safe_cell(value) for value in cells])
