"""The change log the database's triggers write (insights_scorechange, migration
insights 0016): which customers (or products) had their scoring inputs changed.

A run takes the entries it can see before it reads (`changes_seen`) and, once its scores are
stored, deletes exactly those (`changes_consume`): an entry written meanwhile, or committed
late by a transaction that began before, stays for the next run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import connection

from daur.db.numeric import fetch_numeric

_NONE = -1
# The tables whose triggers write the log (migration insights 0016), each with three triggers.
CAPTURED_TABLES = (
    "sales_order",
    "engagement_interaction",
    "servicedesk_ticket",
    "surveys_surveyanswer",
    "customers_customer",
    "sales_orderline",
    "catalog_product",
)
TRIGGER_EVENTS = ("insert", "update", "delete")


def triggers_missing() -> list[str]:
    """The change log's triggers that are not in the database (on SQLite, a migration that
    rebuilds a table drops them): an incremental run then makes a full run instead."""
    expected = [f"{t}_score_{e}" for t in CAPTURED_TABLES for e in TRIGGER_EVENTS]
    if connection.vendor == "postgresql":
        expected += [f"{t}_score_truncate" for t in CAPTURED_TABLES]
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in expected if name not in present]


@dataclass(frozen=True)
class SeenChanges:
    ids: np.ndarray  # the entries, sorted
    customer_ids: np.ndarray  # distinct
    product_ids: np.ndarray  # distinct
    everything: bool = False  # a table was emptied (PostgreSQL's TRUNCATE): no run can tell who

    @property
    def n_entries(self) -> int:
        return len(self.ids)


def changes_seen(table: str) -> SeenChanges:
    rows = fetch_numeric(
        f"SELECT id, COALESCE(customer_id, {_NONE}), COALESCE(product_id, {_NONE}) FROM {table}",
        3,
    ).astype(np.int64)
    customers, products = rows[:, 1], rows[:, 2]
    return SeenChanges(
        ids=np.sort(rows[:, 0]),
        customer_ids=np.unique(customers[customers != _NONE]),
        product_ids=np.unique(products[products != _NONE]),
        everything=bool(((customers == _NONE) & (products == _NONE)).any()),
    )


def changes_consume(table: str, seen: SeenChanges) -> None:
    """Delete the entries seen, as runs of consecutive ids (one statement per run)."""
    ids = seen.ids
    if ids.size == 0:
        return
    breaks = np.flatnonzero(np.diff(ids) != 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [ids.size - 1]])
    with connection.cursor() as cursor:
        for low, high in zip(ids[starts].tolist(), ids[ends].tolist(), strict=True):
            cursor.execute(f"DELETE FROM {table} WHERE id BETWEEN {low} AND {high}")
