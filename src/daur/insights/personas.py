"""Buyer personas of a scoring run (docs/personas.md): the buyers' behaviour and market read from
the database, clustered by daur.analytics.personas, stored per run with each persona followed
from the previous run (its key), and read back for the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db import connection, transaction
from django.db.models import Max

from daur.analytics.personas import PersonaFit, PersonaInput, personas_find, personas_match
from daur.db import dialect, shadow
from daur.db.copy import rows_insert
from daur.db.numeric import fetch_factorized, fetch_numeric
from daur.definitions import currency, orders
from daur.insights.models import Persona, PersonaMember, PersonaRun, ScoringRun

MIN_BUYERS = 30  # fewer buyers: no personas (the groups would be a handful each)


@dataclass(frozen=True)
class Buyers:
    pks: np.ndarray
    data: PersonaInput


ORDERS_SQL = (
    "SELECT o.customer_id, COUNT(*), SUM({amount} * {rate}), SUM({discounted}), MIN({day}), "
    "MAX({day}) FROM sales_order o GROUP BY o.customer_id"
)
LINES_SQL = (
    "SELECT o.customer_id, l.product_id, {quantity} * {unit_price} - {line_discount} "
    "FROM sales_orderline l JOIN sales_order o ON o.id = l.order_id"
)
CATEGORIES_KEPT = 12  # the largest categories by revenue read as columns (the analytics keeps 6)


def persona_buyers(as_of) -> Buyers:  # noqa: ANN001 - a date
    """Every customer with an order: recency, orders a year (over the time since the first
    order, at least a year), average order value in the base currency, the share of discounted
    orders, revenue share per category, main order channel, orientation, market, relationship.
    Read as numeric arrays and factorized codes (daur.db.numeric), never row by row."""
    rows = fetch_numeric(
        ORDERS_SQL.format(
            amount=dialect.as_float("o.amount"),
            rate=currency.rate_sql("o.currency"),
            discounted=orders.discounted_sql("o"),
            day=dialect.local_day("o.ordered_at"),
        ),
        6,
    )
    rows = rows[np.argsort(rows[:, 0], kind="stable")]
    if not len(rows):
        return Buyers(np.zeros(0, np.int64), PersonaInput({}, {}, {}))
    pks = rows[:, 0].astype(np.int64)
    n = rows[:, 1]
    end = float((as_of - date(1970, 1, 1)).days)
    numbers = {
        "recency_days": np.maximum(end - rows[:, 5], 0.0),
        "orders_per_year": n / np.maximum((end - rows[:, 4] + 1) / 365.25, 1.0),
        "order_value": np.nan_to_num(rows[:, 2]) / n,
        "discount_share": np.nan_to_num(rows[:, 3]) / n,
    }
    codes = {
        **_codes_of(pks, "customers_customer", "id", ("country", "city", "relationship")),
        **_codes_of(pks, "insights_customerscore", "customer_id", ("orientation",)),
        "channel": _main_channel(pks),
    }
    return Buyers(pks, PersonaInput(numbers, _category_shares(pks), codes))


def _positions(pks: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each key, its buyer's row, and whether it is a buyer's."""
    at = np.minimum(np.searchsorted(pks, keys), len(pks) - 1)
    return at, pks[at] == keys


def _codes_of(pks: np.ndarray, table: str, key: str, columns: tuple[str, ...]) -> dict:
    keys, position, distinct = fetch_factorized(table, key, list(columns))
    at, found = _positions(pks, keys)
    out = {}
    for i, column in enumerate(columns):
        values = np.array(["" if row[i] is None else str(row[i]) for row in distinct] + [""],
                          dtype=object)
        index = np.full(len(pks), len(distinct), dtype=np.int64)
        index[at[found]] = position[found]
        out[column] = values[index]
    return out


def _main_channel(pks: np.ndarray) -> np.ndarray:
    """Each buyer's most used order channel (ties: the first in alphabetical order)."""
    keys, position, distinct = fetch_factorized("sales_order", "customer_id", ["channel"])
    names = [row[0] or "" for row in distinct]
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.argsort(np.array(names, dtype=object), kind="stable")] = np.arange(len(names))
    at, found = _positions(pks, keys)
    pair = at[found] * len(names) + rank[position[found]]
    pairs, counts = np.unique(pair, return_counts=True)
    buyer, code = pairs // len(names), pairs % len(names)
    order = np.lexsort((code, -counts, buyer))  # per buyer: most orders, then alphabetical
    first = order[np.r_[True, buyer[order][1:] != buyer[order][:-1]]]
    by_rank = np.array(sorted(names) + [""], dtype=object)
    chosen = np.full(len(pks), len(names), dtype=np.int64)
    chosen[buyer[first]] = code[first]
    return by_rank[chosen]


def _category_shares(pks: np.ndarray) -> dict[str, np.ndarray]:
    """Each buyer's revenue share per product category (line value net of line discounts), for
    the CATEGORIES_KEPT largest categories."""
    lines = fetch_numeric(
        LINES_SQL.format(
            quantity=dialect.as_float("l.quantity"),
            unit_price=dialect.as_float("l.unit_price"),
            line_discount=dialect.as_float("l.discount_amount"),
        ),
        3,
    )
    if not len(lines):
        return {}
    products, category, distinct = fetch_factorized("catalog_product", "id", ["category"])
    order = np.argsort(products)
    products, category = products[order], category[order]
    where = np.minimum(np.searchsorted(products, lines[:, 1]), len(products) - 1)
    line_category = category[where]
    value = np.maximum(np.nan_to_num(lines[:, 2]), 0.0)
    at, found = _positions(pks, lines[:, 0].astype(np.int64))
    totals = np.bincount(at[found], weights=value[found], minlength=len(pks))
    by_category = np.bincount(line_category[found], weights=value[found], minlength=len(distinct))
    safe = np.where(totals > 0, totals, 1.0)
    shares = {}
    for c in np.argsort(-by_category, kind="stable")[:CATEGORIES_KEPT]:
        if by_category[c] <= 0:
            break
        mine = found & (line_category == c)
        column = np.bincount(at[mine], weights=value[mine], minlength=len(pks))
        shares[str(distinct[c][0])] = column / safe
    return shares


def personas_store(*, run: ScoringRun, seed: int = 0) -> PersonaRun | None:
    """Find the personas of the base at this run and store them, each buyer's persona replacing
    the previous run's. None (and nothing stored) with fewer than MIN_BUYERS buyers."""
    buyers = persona_buyers(run.as_of)
    if len(buyers.pks) < MIN_BUYERS:
        return None
    fit = personas_find(buyers.data, seed=seed)
    with transaction.atomic():
        return _stored(run, fit, buyers.pks)


def _stored(run: ScoringRun, fit: PersonaFit, pks: np.ndarray) -> PersonaRun:
    previous_run = PersonaRun.objects.exclude(run=run).order_by("-created_at", "-id").first()
    previous = list(previous_run.personas.order_by("number")) if previous_run else []
    matched = personas_match([p.centre for p in previous], [p.centre for p in fit.personas])
    next_key = (Persona.objects.aggregate(m=Max("key"))["m"] or 0) + 1
    PersonaRun.objects.filter(run=run).delete()
    persona_run = PersonaRun.objects.create(
        run=run, buyers=len(pks), k=fit.k, silhouette=fit.silhouette, sample_size=fit.sample_size
    )
    stored: dict[int, Persona] = {}
    for found, index in zip(fit.personas, matched, strict=True):
        before = previous[index] if index is not None else None
        if before is None:
            key, next_key = next_key, next_key + 1
        else:
            key = before.key
        stored[found.number] = Persona.objects.create(
            persona_run=persona_run,
            key=key,
            number=found.number,
            size=found.size,
            share=found.share,
            figures=found.figures,
            traits=[t.__dict__ for t in found.traits],
            centre=found.centre,
            previous=before,
        )
    _members_replace(pks, fit.labels, stored)
    return persona_run


def _members_replace(pks: np.ndarray, labels: np.ndarray, stored: dict[int, Persona]) -> None:
    """Every buyer's persona, replacing the previous run's: on PostgreSQL a copy of the table
    is filled and swapped in (indexes built once, keys checked in one pass: daur.db.shadow)."""
    table = PersonaMember._meta.db_table
    persona_ids = np.zeros(len(stored) + 1, dtype=np.int64)
    keys = np.zeros(len(stored) + 1, dtype=np.int64)
    for number, persona in stored.items():
        persona_ids[number], keys[number] = persona.pk, persona.key
    columns = [pks.tolist(), persona_ids[labels].tolist(), keys[labels].tolist()]

    def load(name: str) -> None:
        rows_insert(name, ("customer_id", "persona_id", "key"), columns, queued=True)

    if shadow.replaceable(table):
        shadow.table_replace(table, load)
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    load(table)
