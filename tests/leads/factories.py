"""Small factories for the lead tests: leads and closed-lead history written directly."""

from __future__ import annotations

import itertools
from decimal import Decimal

from daur.leads.models import Lead

_ids = itertools.count(1)


def lead_make(name: str = "", *, owner=None, source: str = "website", **fields) -> Lead:  # noqa: ANN001
    n = next(_ids)
    fields.setdefault("external_id", f"LT{n:05d}")
    if "expected_value" in fields and fields["expected_value"] is not None:
        fields["expected_value"] = Decimal(fields["expected_value"])
    return Lead.objects.create(name=name or f"Lead {n}", owner=owner, source=source, **fields)


def history_make(source: str, *, won: int, lost: int) -> None:
    """Closed leads of a source: its win rate's evidence."""
    for _ in range(won):
        lead_make(source=source, stage="won")
    for _ in range(lost):
        lead_make(source=source, stage="lost", lost_reason="price")
