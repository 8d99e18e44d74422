"""Suspected duplicate customers in the base, and the customers a new record would duplicate.

The rules (keys, blocks, score, evidence) are daur.analytics.duplicates; this module reads the
base for them. Phones are read in each customer's country, else in DAUR_DEFAULT_COUNTRY.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings

from daur.analytics.duplicates import (
    THRESHOLD,
    Keys,
    PairScore,
    Party,
    blocks_of,
    duplicate_pairs,
    keys_of,
    matches_for,
)
from daur.customers.models import Customer

_FIELDS = ("id", "name", "kind", "email", "phone", "city", "country", "custom_fields")


@dataclass(frozen=True)
class SuspectedPair:
    """Two customers that look like one, with the score and the evidence."""

    a: Customer
    b: Customer
    score: float
    scored: PairScore


def default_country() -> str:
    return settings.DAUR_DEFAULT_COUNTRY


def _company(kind: str, name: str, custom_fields: object) -> str:
    if kind == "organization":
        return name
    if isinstance(custom_fields, dict):
        return str(custom_fields.get("company") or "")
    return ""


def customer_keys(rows: Iterable[Sequence]) -> list[Keys]:
    """Keys of customers given as rows of _FIELDS."""
    country = default_country()
    return [
        keys_of(
            Party(
                key=pk,
                name=name,
                email=email,
                phone=phone,
                company=_company(kind, name, custom),
                city=city,
                country=customer_country,
            ),
            default_country=country,
        )
        for pk, name, kind, email, phone, city, customer_country, custom in rows
    ]


def base_keys() -> list[Keys]:
    """Every customer's keys, read in one pass."""
    rows = Customer.objects.order_by("id").values_list(*_FIELDS).iterator(chunk_size=10_000)
    return customer_keys(rows)


def duplicate_pairs_scored(*, threshold: float = THRESHOLD) -> list[PairScore]:
    """Every suspected pair of the base (customer pks), best first."""
    return duplicate_pairs(base_keys(), threshold=threshold)


def suspected_pairs(scored: Sequence[PairScore]) -> list[SuspectedPair]:
    """The customers behind scored pairs, read with one query (pairs of deleted ones left out)."""
    ids = {p.a for p in scored} | {p.b for p in scored}
    customers = Customer.objects.in_bulk(ids)
    return [
        SuspectedPair(customers[p.a], customers[p.b], p.score, p)
        for p in scored
        if p.a in customers and p.b in customers
    ]


class BaseIndex:
    """The base's blocks, built once, to look up many new records (an import, a conversion)."""

    def __init__(self, keys: list[Keys] | None = None) -> None:
        self.blocks = blocks_of(base_keys() if keys is None else keys)

    def matches(self, party: Party, *, threshold: float = THRESHOLD) -> list[PairScore]:
        record = keys_of(party, default_country=default_country())
        return list(matches_for(record, self.blocks, threshold=threshold))


def customer_matches(party: Party, *, threshold: float = THRESHOLD) -> list[PairScore]:
    """The existing customers `party` would duplicate, best first (PairScore.b: a customer pk).

    Reads the base's keys once: a normalised e-mail (Gmail's dots) or an E.164 phone cannot be
    looked up in the stored text, which keeps what was typed.
    """
    return BaseIndex().matches(party, threshold=threshold)
