"""Reads of a customer's history: who changed which of its values and when, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from daur.customers.models import Customer

# The reason of an entry recording the values an import (or the demo) wrote: bulk loads bypass the
# ORM's save, so daur.actions writes their state down before the next change made by a person.
IMPORTED = "import"


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str  # the model field's name ("owner" for the owner, its values user ids)
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class CustomerChange:
    at: datetime
    by: str  # the user's full name, else user name; "" when no user is known (an import)
    kind: str  # "created", "changed", "imported" or "deleted"
    changes: tuple[FieldChange, ...]  # empty for a creation, an import or an entry with no past


_KINDS = {"+": "created", "~": "changed", "-": "deleted"}


def customer_history(*, customer_id: int, limit: int = 20) -> list[CustomerChange]:
    """The latest `limit` entries of the customer's history, each with what it changed against
    the entry before it (one query: limit + 1 entries, with their users)."""
    records = list(
        Customer.history.filter(id=customer_id)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: limit + 1]
    )
    records.append(None)  # the oldest shown has no entry before it when all were read
    out = []
    for record, before in pairwise(records[: limit + 1]):
        changes: tuple[FieldChange, ...] = ()
        if before is not None and record.history_type == "~":
            delta = record.diff_against(before)
            changes = tuple(FieldChange(c.field, c.old, c.new) for c in delta.changes)
        kind = _KINDS[record.history_type]
        if record.history_change_reason == IMPORTED:
            kind = "imported"
        user = record.history_user
        by = (user.get_full_name() or user.get_username()) if user is not None else ""
        out.append(CustomerChange(record.history_date, by, kind, changes))
    return out[:limit]
