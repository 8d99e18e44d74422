"""Schemas made from the interchange kinds (SPEC §3): the API's fields are the CSV's columns.

In: each column takes text, a number, a boolean or null, parsed by the import's own parsers
(daur.interchange); unknown fields are refused. Out: each column typed as its model field.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any

from django.apps import apps
from django.db import models
from ninja import Schema
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
)

from daur.interchange.kinds import KINDS, Kind

# A CSV cell as JSON: the import's parsers read it as the text it would be in the file.
CellText = Annotated[str, StringConstraints(max_length=10_000)]
Cell = CellText | StrictBool | StrictInt | StrictFloat | None


class StrictIn(BaseModel):
    """What a client sends: unknown fields refused. A plain pydantic model, not ninja's Schema,
    whose wrapper (made to read ORM objects) cost half of a 5,000-record bulk request."""

    model_config = ConfigDict(extra="forbid")


def column_lookup(spec: Kind, name: str) -> str:
    """The ORM lookup of a column's value (a reference: the referenced record's key)."""
    column = spec.column(name)
    if column.reference is not None:
        return f"{column.field}__{column.reference.key_field}"
    return column.field


def _out_type(spec: Kind, name: str) -> Any:
    column = spec.column(name)
    if column.reference is not None:
        return str | None
    field = apps.get_model(spec.model)._meta.get_field(column.field)
    if isinstance(field, models.DecimalField):
        return Decimal | None
    if isinstance(field, models.DateTimeField):
        return datetime | None
    if isinstance(field, models.DateField):
        return date | None
    if isinstance(field, models.BooleanField):
        return bool | None
    if isinstance(field, models.IntegerField):
        return int | None
    return str


def _title(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.split("_"))


@cache
def record_out(kind: str, *, extra: tuple[tuple[str, Any], ...] = ()) -> type[Schema]:
    """A record of `kind` as the API returns it: its CSV columns, and its custom fields."""
    spec = KINDS[kind]
    fields: dict[str, Any] = {name: (_out_type(spec, name), ...) for name in spec.column_names}
    fields["custom_fields"] = (dict[str, Any], Field(default_factory=dict))
    fields.update(dict(extra))
    return _model(f"{_title(kind)}Out", fields)


@cache
def record_in(kind: str, *, partial: bool = False, skip: tuple[str, ...] = (),
              extra: tuple[tuple[str, Any], ...] = ()) -> type[Schema]:
    """A record of `kind` as the API takes it (`partial`: every column optional, a change)."""
    spec = KINDS[kind]
    fields: dict[str, Any] = {}
    for column in spec.columns:
        if column.name in skip:
            continue
        required = column.required and not partial
        fields[column.name] = (Cell, ...) if required else (Cell, None)
    fields.update(dict(extra))
    suffix = "Change" if partial else "In"
    return _model(f"{_title(kind)}{suffix}", fields, base=StrictIn)


def _model(
    name: str, fields: dict[str, Any], base: type[BaseModel] = Schema
) -> type[BaseModel]:
    from pydantic import create_model

    return create_model(name, __base__=base, **fields)


def record_values(spec: Kind, row: dict[str, Any]) -> dict[str, Any]:
    """A `values()` row (keyed by column_lookup) as the record's columns."""
    out = {name: row[column_lookup(spec, name)] for name in spec.column_names}
    for name, value in out.items():
        if value is None and _out_type(spec, name) is str:
            out[name] = ""
    out["custom_fields"] = row.get("custom_fields") or {}
    return out


def lookups(spec: Kind) -> list[str]:
    return [column_lookup(spec, name) for name in spec.column_names]
