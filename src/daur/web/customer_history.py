"""The 360 page's "History" card: each change of a customer's values in words of the user's
language (field names, coded values, owners by full name)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from daur.accounts.models import User
from daur.customers.history import CustomerChange
from daur.customers.models import Customer
from daur.web.customer_profile import yes_no

DASH = "–"


@dataclass(frozen=True, slots=True)
class ShownChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class ShownEntry:
    at: Any  # an aware datetime, formatted by the template
    by: str
    what: str  # "Created", "Changed" ...
    changes: list[ShownChange]


def _owner_names(entries: list[CustomerChange]) -> dict[int, str]:
    """The names of the owners the entries name, read with one query."""
    ids = {
        value
        for entry in entries
        for change in entry.changes
        if change.field == "owner"
        for value in (change.old, change.new)
        if value is not None
    }
    users = User.objects.filter(pk__in=ids).only("username", "first_name", "last_name")
    return {user.pk: user.get_full_name() or user.get_username() for user in users}


def _shown(name: str, value: Any, owners: dict[int, str]) -> str:
    if value is None or value == "":
        return DASH
    if name == "owner":
        return owners.get(value, gettext("a removed user"))
    if name in ("referred_by", "campaign"):
        return gettext("another record")  # not necessarily one the reader may open
    if isinstance(value, bool):
        return yes_no(value)
    field = Customer._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def history_entries(entries: list[CustomerChange]) -> list[ShownEntry]:
    whats = {
        "created": gettext("Created"),
        "changed": gettext("Changed"),
        "imported": gettext("As imported"),
        "deleted": gettext("Deleted"),
    }
    owners = _owner_names(entries)
    shown = []
    for entry in entries:
        changes = [
            ShownChange(
                field=str(Customer._meta.get_field(c.field).verbose_name).capitalize(),
                old=_shown(c.field, c.old, owners),
                new=_shown(c.field, c.new, owners),
            )
            for c in entry.changes
        ]
        by = entry.by or (gettext("an import") if entry.kind == "imported" else DASH)
        shown.append(ShownEntry(entry.at, by, whats[entry.kind], changes))
    return shown
