"""The customer list's search: a customer id (exact), an e-mail or phone (prefix), or the name
(by its words, its start or anywhere in it), and how each is served by the indexes."""

from __future__ import annotations

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Collate, Upper

from daur.customers.models import Customer
from daur.db import dialect


def _looks_like_phone(text: str) -> bool:
    return text.lstrip("+").replace(" ", "").replace("-", "").isdigit()


def name_words_q(text: str) -> Q:
    """Each word of `text` starts a word of the name ("putra" finds "Adi Putra", "adi pu" too).

    On PostgreSQL both lookups are served by the trigram index on UPPER(name)
    (customers migration 0003); on SQLite they scan the names."""
    q = Q()
    for word in text.split():
        q &= Q(name__istartswith=word) | Q(name__icontains=f" {word}")
    return q


def customer_search_q(text: str, *, match: str = "words") -> Q:
    """Search by customer id (exact), e-mail or phone (prefix) or name (by its words, its
    beginning or anywhere in it)."""
    text = text.strip()
    if not text:
        return Q()
    if "@" in text:
        return Q(email__istartswith=text)
    by_id = Q(external_id=text)
    if _looks_like_phone(text):
        return by_id | Q(phone__startswith=text)
    if match == "contains":
        by_name = Q(name__icontains=text)
    elif _name_match(text, match) == "prefix":
        by_name = Q(name__istartswith=text)
    else:
        by_name = name_words_q(text)
    return by_id | by_name


# Shorter than this, a word search is the name's prefix: one or two letters have no trigram
# to look up (the search would read every name) and, typed as the user starts, read best as
# the names starting so (a range of the name index).
WORD_SEARCH_MIN = 3


def _name_match(text: str, match: str) -> str:
    """The name match in effect: "words" falls back to "prefix" for one short word."""
    if match == "words" and len(text) < WORD_SEARCH_MIN and len(text.split()) == 1:
        return "prefix"
    return match


# The name's search key on PostgreSQL: upper case, compared byte by byte (customer_name_key_idx).
NAME_KEY = Collate(Upper("name"), "C")


def searched(
    qs: QuerySet[Customer], text: str, *, match: str, by_name: bool
) -> tuple[QuerySet[Customer], bool]:
    """The search applied; True when the rows are to be listed by NAME_KEY (annotated).

    On PostgreSQL a name prefix listed by name reads one range of (NAME_KEY, id) in order: the
    search and the order come from the same index, and a page costs a page of rows however many
    names start that way. A text that is some visible customer's id finds that customer alone.
    """
    text = text.strip()
    if text and "@" not in text:
        by_id = qs.filter(external_id=text)
        if by_id.exists():
            return by_id, False
    name_prefix = (
        by_name and _name_match(text, match) == "prefix" and "@" not in text
        and not _looks_like_phone(text) and dialect.indexed_name_key()
    )
    if not text or not name_prefix:
        return qs.filter(customer_search_q(text, match=match)), False
    return qs.annotate(name_key=NAME_KEY).filter(name_key__startswith=Upper(Value(text))), True
