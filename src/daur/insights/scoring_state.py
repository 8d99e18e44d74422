"""The scoring state a run stores for the next incremental run (`daur.analytics.incremental`):
one row (`ScoringState`) and one binary column per array, only the latest kept."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings

from daur.analytics.incremental import STATE_FORMAT, CustomerState, expected_columns
from daur.analytics.rules_config import RulesConfig
from daur.db.columns import columns_read, columns_write
from daur.insights.models import ScoringRun, ScoringState, ScoringStateColumn

COLUMNS_TABLE = ScoringStateColumn._meta.db_table
# Settings that change what the base's records are (amounts, days, margins).
READ_SETTINGS = (
    "TIME_ZONE",
    "DAUR_DEFAULT_CURRENCY",
    "DAUR_EXCHANGE_RATES",
    "DAUR_DEFAULT_MARGIN_RATE",
)


def fingerprint(config: RulesConfig) -> dict[str, Any]:
    """What a state was computed with, beyond the events: a change makes the next run full."""
    found = {
        "rules": config.as_mapping(),
        "settings": {name: getattr(settings, name, None) for name in READ_SETTINGS},
    }
    return json.loads(json.dumps(found, sort_keys=True, default=str))


def state_store(run: ScoringRun, state: CustomerState, config: RulesConfig) -> int:
    """Store `state` as `run`'s, dropping the earlier ones; returns the bytes written. The
    caller holds the transaction of the run's scores."""
    ScoringState.objects.exclude(run=run).delete()
    row = ScoringState.objects.create(
        run=run,
        format=STATE_FORMAT,
        as_of=date.fromordinal(date(1970, 1, 1).toordinal() + state.as_of_day),
        n_customers=state.n_customers,
        fingerprint=fingerprint(config),
    )
    return columns_write(COLUMNS_TABLE, "state_id", row.pk, state.columns)


@dataclass(frozen=True)
class StoredState:
    run_id: int
    format: int
    fingerprint: dict[str, Any]
    state: CustomerState | None  # None where its columns are not those of STATE_FORMAT


def state_load() -> StoredState | None:
    """The latest stored state, None without one."""
    row = ScoringState.objects.order_by("-run_id").first()
    if row is None:
        return None
    if row.format != STATE_FORMAT:
        return StoredState(row.run_id, row.format, row.fingerprint, None)
    columns = columns_read(COLUMNS_TABLE, "state_id", row.pk)
    state = None
    if set(columns) == expected_columns():
        as_of_day = (row.as_of - date(1970, 1, 1)).days
        state = CustomerState(as_of_day=as_of_day, columns=columns)
    return StoredState(row.run_id, row.format, row.fingerprint, state)
