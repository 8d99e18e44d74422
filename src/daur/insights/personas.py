"""Buyer personas of a scoring run (docs/personas.md): the buyers' behaviour and market read from
the database, clustered by daur.analytics.personas, stored per run with each persona followed
from the previous run (its key), and read back for the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

import numpy as np
from django.db import connection, transaction
from django.db.models import Case, Count, F, FloatField, IntegerField, Max, Min, Sum, Value, When
from django.db.models.functions import Cast

from daur.analytics.personas import PersonaFit, PersonaInput, personas_find, personas_match
from daur.customers.models import Customer
from daur.db import shadow
from daur.db.copy import rows_insert
from daur.definitions.currency import base_amount
from daur.definitions.orders import discounted_q
from daur.insights.models import Persona, PersonaMember, PersonaRun, ScoringRun
from daur.sales.models import Order, OrderLine

MIN_BUYERS = 30  # fewer buyers: no personas (the groups would be a handful each)
DAY = 86_400.0


@dataclass(frozen=True)
class Buyers:
    pks: np.ndarray
    data: PersonaInput


def _epoch_days(moments: list[datetime]) -> np.ndarray:
    return np.array([m.timestamp() for m in moments], dtype=np.float64) / DAY


def persona_buyers(as_of) -> Buyers:  # noqa: ANN001 - a date
    """Every customer with an order: recency, orders a year (over the time since the first
    order, at least a year), average order value in the base currency, the share of discounted
    orders, revenue share per category, main order channel, orientation, market, relationship."""
    rows = list(
        Order.objects.values("customer_id")
        .annotate(
            n=Count("id"),
            revenue=Sum(base_amount()),
            discounted=Sum(Case(When(discounted_q(), then=Value(1)), default=Value(0),
                                output_field=IntegerField())),
            first=Min("ordered_at"),
            last=Max("ordered_at"),
        )
        .order_by("customer_id")
        .values_list("customer_id", "n", "revenue", "discounted", "first", "last")
    )
    if not rows:
        return Buyers(np.zeros(0, np.int64), PersonaInput({}, {}, {}))
    pks, n, revenue, discounted, first, last = zip(*rows, strict=True)
    pks = np.array(pks, dtype=np.int64)
    n = np.array(n, dtype=np.float64)
    end = datetime.combine(as_of, time.max, tzinfo=UTC).timestamp() / DAY
    tenure_years = np.maximum((end - _epoch_days(list(first))) / 365.25, 1.0)
    numbers = {
        "recency_days": np.maximum(end - _epoch_days(list(last)), 0.0),
        "orders_per_year": n / tenure_years,
        "order_value": np.array(revenue, dtype=np.float64) / n,
        "discount_share": np.array(discounted, dtype=np.float64) / n,
    }
    position = {pk: i for i, pk in enumerate(pks.tolist())}
    codes = _customer_codes(pks, position)
    codes["channel"] = _main_channel(len(pks), position)
    return Buyers(pks, PersonaInput(numbers, _category_shares(len(pks), position), codes))


def _customer_codes(pks: np.ndarray, position: dict[int, int]) -> dict[str, list[str]]:
    size = len(pks)
    codes = {kind: [""] * size for kind in ("orientation", "country", "city", "relationship")}
    buyers = Order.objects.values("customer_id")
    query = Customer.objects.filter(pk__in=buyers).values_list(
        "id", "score__orientation", "country", "city", "relationship"
    )
    for pk, orientation, country, city, relationship in query.iterator(chunk_size=20_000):
        i = position.get(pk)
        if i is not None:
            codes["orientation"][i] = orientation or ""
            codes["country"][i] = country or ""
            codes["city"][i] = city or ""
            codes["relationship"][i] = relationship or ""
    return codes


def _main_channel(size: int, position: dict[int, int]) -> list[str]:
    """Each buyer's most used order channel (ties: the first in alphabetical order)."""
    best: list[tuple[int, str]] = [(0, "")] * size
    query = (
        Order.objects.values("customer_id", "channel").annotate(c=Count("id"))
        .values_list("customer_id", "channel", "c")
    )
    for pk, channel, count in query.iterator(chunk_size=20_000):
        i = position[pk]
        held = best[i]
        if count > held[0] or (count == held[0] and channel < held[1]):
            best[i] = (count, channel)
    return [channel for _, channel in best]


def _category_shares(size: int, position: dict[int, int]) -> dict[str, np.ndarray]:
    """Each buyer's revenue share per product category (line value net of line discounts)."""
    value = Cast(F("quantity"), FloatField()) * Cast(F("unit_price"), FloatField()) - Cast(
        F("discount_amount"), FloatField()
    )
    query = (
        OrderLine.objects.values("order__customer_id", "product__category")
        .annotate(v=Sum(value))
        .values_list("order__customer_id", "product__category", "v")
    )
    totals = np.zeros(size)
    sums: dict[str, np.ndarray] = {}
    for pk, category, amount in query.iterator(chunk_size=20_000):
        i = position.get(pk)
        if i is None or not amount or amount <= 0:
            continue
        sums.setdefault(category, np.zeros(size))[i] += amount
        totals[i] += amount
    safe = np.where(totals > 0, totals, 1.0)
    return {category: column / safe for category, column in sums.items()}


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
