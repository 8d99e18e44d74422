"""Reads of customers: who may see which, the filtered list with keyset pages, one customer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.core import signing
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.http import Http404

from daur.accounts.models import User
from daur.analytics.typology import TYPE_LABELS
from daur.customers.access import customers_visible_to, sees_all_customers
from daur.customers.models import Customer
from daur.customers.search import searched
from daur.definitions.customers import ACTIVE, active_q

PAGE_SIZE = 50
CURSOR_SALT = "daur.customers.list-cursor"

# Sort key -> (the column, its direction); every sort ends on the id, in the same direction.
SORTS: dict[str, tuple[str, str]] = {
    "name": ("name", "asc"),
    "clv": ("score__clv_12m", "desc"),
    "p_alive": ("score__p_alive", "desc"),
    "created": ("created_at", "desc"),
}


@dataclass(frozen=True)
class CustomerFilters:
    """What the list is narrowed to; empty values mean "any"."""

    q: str = ""
    match: str = "words"  # name search: "words" (each typed word starts one), "prefix", "contains"
    stage: str = ""
    type: str = ""
    orientation: str = ""
    segment: str = ""
    strategy: str = ""
    rfm_r: int | None = None
    rfm_f: int | None = None
    clv_min: float | None = None  # the 12-month CLV, in the base currency, from and to
    clv_max: float | None = None
    owner: int | None = None
    country: str = ""
    city: str = ""
    relationship: str = ""
    persona: int | None = None  # a buyer persona's key at the latest scoring run
    sort: str = ""  # empty: see list_sort
    cursor: str = ""

    def without_cursor(self) -> CustomerFilters:
        return replace(self, cursor="")


SCORE_FILTERS = (
    "stage", "type", "orientation", "segment", "strategy", "rfm_r", "rfm_f", "clv_min", "clv_max"
)


def list_sort(filters: CustomerFilters) -> str:
    """The order asked for; else by CLV when a score narrows the list, else by name.

    A score filter leaves out the unscored customers anyway, and ordering by CLV lets the score
    indexes (value, then CLV) drive the query and puts the most valuable customers first; by name
    the database would walk the name index and probe the score of each row.
    """
    if filters.sort in SORTS:
        return filters.sort
    if any(getattr(filters, name) not in ("", None) for name in SCORE_FILTERS):
        return "clv"
    return "name"


@dataclass(frozen=True, slots=True)
class ListedCustomer:
    """What a list row shows of a customer: its own columns, its owner's name and its score
    (the score's fields are None for a customer never scored)."""

    pk: int
    name: str
    external_id: str
    city: str
    country: str
    owner: str  # the owner's full name, else user name; "" for nobody
    lifecycle_stage: str | None
    types: str | None  # ";"-separated
    rfm_segment: str | None
    p_alive: float | None
    clv_12m: float | None
    strategy: str | None

    @property
    def scored(self) -> bool:
        return self.lifecycle_stage is not None

    @property
    def type_list(self) -> list[str]:
        return [t for t in (self.types or "").split(";") if t]


@dataclass(frozen=True)
class CustomerPage:
    customers: list[ListedCustomer]
    next_cursor: str  # empty on the last page
    sort: str


def _filtered(
    *, user: User | None, filters: CustomerFilters, sort: str
) -> tuple[QuerySet[Customer], tuple[str, str]]:
    """The customers of the filters, and the order to list them in: (column, direction).
    `user` None: the whole base (the figures a scoring run stores)."""
    qs = Customer.objects.all() if user is None else customers_visible_to(user)
    order = SORTS[sort]
    if filters.q:
        qs, by_key = searched(qs, filters.q, match=filters.match, by_name=sort == "name")
        if by_key:
            order = ("name_key", "asc")
    if filters.stage == ACTIVE:  # any active stage (daur.definitions.customers)
        qs = qs.filter(active_q(prefix="score__"))
    exact = {
        "score__lifecycle_stage": "" if filters.stage == ACTIVE else filters.stage,
        "score__orientation": filters.orientation,
        "score__rfm_segment": filters.segment,
        "score__strategy": filters.strategy,
        "score__rfm_r": filters.rfm_r,
        "score__rfm_f": filters.rfm_f,
        "owner_id": filters.owner,
        "country": filters.country,
        "city": filters.city,
        "relationship": filters.relationship,
        "persona_member__key": filters.persona,
    }
    qs = qs.filter(**{k: v for k, v in exact.items() if v not in ("", None)})
    if filters.clv_min is not None:
        qs = qs.filter(score__clv_12m__gte=filters.clv_min)
    if filters.clv_max is not None:
        qs = qs.filter(score__clv_12m__lte=filters.clv_max)
    if filters.type in TYPE_LABELS:
        mask = 1 << TYPE_LABELS.index(filters.type)
        qs = qs.alias(type_hit=F("score__type_bits").bitand(mask)).filter(type_hit=mask)
    column, _ = order
    if column.startswith("score__"):
        # Unscored customers have no place in a value ordering: they are left out of it.
        qs = qs.filter(**{f"{column}__isnull": False})
    return qs, order


def _ordered(qs: QuerySet[Customer], order: tuple[str, str]) -> QuerySet[Customer]:
    column, direction = order
    if direction == "asc":
        return qs.order_by(F(column).asc(), F("id").asc())
    return qs.order_by(F(column).desc(), F("id").desc())


def _after_cursor(
    qs: QuerySet[Customer], order: tuple[str, str], cursor: str
) -> QuerySet[Customer]:
    """Rows after the last one shown: (value, id) strictly beyond the cursor, index-friendly."""
    try:
        value, last_id = signing.loads(cursor, salt=CURSOR_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return qs
    column, direction = order
    if column == "created_at":
        from django.utils.dateparse import parse_datetime

        value = parse_datetime(value)
    op = "gt" if direction == "asc" else "lt"
    bound = "gte" if direction == "asc" else "lte"
    # The redundant bound lets the database start the index scan at the cursor.
    return qs.filter(**{f"{column}__{bound}": value}).filter(
        Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"id__{op}": last_id})
    )


def _cursor_of(value: Any, pk: int, order: tuple[str, str]) -> str:
    column, _ = order
    if column == "created_at":
        value = value.isoformat()
    return signing.dumps([value, pk], salt=CURSOR_SALT, compress=True)


# What a list row shows: read as values (no model instances), in ListedCustomer's order, with
# the owner's name parts after it.
LIST_FIELDS = (
    "id",
    "name",
    "external_id",
    "city",
    "country",
    "owner__username",
    "score__lifecycle_stage",
    "score__types",
    "score__rfm_segment",
    "score__p_alive",
    "score__clv_12m",
    "score__strategy",
    "owner__first_name",
    "owner__last_name",
)


def _listed(row: tuple) -> ListedCustomer:
    pk, name, external_id, city, country, username, *score, first, last = row[: len(LIST_FIELDS)]
    owner = f"{first} {last}".strip() or username if username is not None else ""
    return ListedCustomer(pk, name, external_id, city, country, owner, *score)


def customer_list(*, user: User, filters: CustomerFilters, limit: int = PAGE_SIZE) -> CustomerPage:
    """One page of the customers the user may see, narrowed and ordered; no OFFSET, no COUNT."""
    sort = list_sort(filters)
    qs, order = _filtered(user=user, filters=filters, sort=sort)
    qs = _ordered(qs, order)
    if filters.cursor:
        qs = _after_cursor(qs, order, filters.cursor)
    rows = list(qs.values_list(*LIST_FIELDS, order[0])[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _cursor_of(rows[-1][-1], rows[-1][0], order) if more and rows else ""
    customers = [_listed(row) for row in rows]
    return CustomerPage(customers=customers, next_cursor=next_cursor, sort=sort)


COUNT_CAP = 10_000


def customer_count(*, user: User, filters: CustomerFilters, cap: int = COUNT_CAP) -> int:
    """How many customers the list holds, counted up to `cap` + 1 (more than `cap` reads as
    "cap+"): a count over a limited subquery stops after cap + 1 index entries, however big the
    base."""
    qs, _ = _filtered(user=user, filters=filters.without_cursor(), sort=list_sort(filters))
    return qs.order_by().values("id")[: cap + 1].count()


def customers_of_filters(*, user: User | None, filters: CustomerFilters) -> QuerySet[Customer]:
    """Every customer the list of these filters holds for the user (None: the whole base),
    unordered: a saved segment's members (daur.insights.segments)."""
    qs, _ = _filtered(user=user, filters=filters.without_cursor(), sort=list_sort(filters))
    return qs.order_by()


# What the export reads of each customer, in this order (daur.web.customer_export writes it).
EXPORT_FIELDS = (
    "external_id",
    "name",
    "kind",
    "relationship",
    "email",
    "phone",
    "country",
    "city",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "created_at",
    "score__lifecycle_stage",
    "score__types",
    "score__orientation",
    "score__loyalty_score",
    "score__rfm_segment",
    "score__p_alive",
    "score__clv_12m",
    "score__strategy",
)


def customer_export_rows(*, user: User, filters: CustomerFilters) -> Iterator[tuple]:
    """Every customer of the current filter, in list order, streamed from a server-side cursor."""
    qs, order = _filtered(user=user, filters=filters, sort=list_sort(filters))
    qs = _ordered(qs, order)
    yield from qs.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000)


# What the 360 page shows of a customer, its score and its owner: the rest stays unread.
PROFILE_FIELDS = (
    "external_id", "name", "kind", "relationship", "email", "phone", "email_consent", "country",
    "city", "acquired_via", "created_at", "owner__username", "owner__first_name",
    "owner__last_name",
    "score__as_of", "score__lifecycle_stage", "score__types", "score__orientation",
    "score__loyalty_score", "score__rfm_r", "score__rfm_f", "score__rfm_m", "score__rfm_segment",
    "score__p_alive", "score__expected_orders_90d", "score__expected_order_value",
    "score__clv_12m", "score__strategy", "score__strategy_reasons",
)


def customer_get(*, user: User, customer_id: int) -> Customer:
    """One customer the user may see, with its score and owner; Http404 for anyone else's.

    Only the columns of PROFILE_FIELDS are read (another one is read when first used)."""
    # [:1] rather than first(): one row by primary key needs no ORDER BY over the joins.
    found = list(
        customers_visible_to(user)
        .select_related("score", "owner")
        .only(*PROFILE_FIELDS, "referred_by_id", "campaign_id")
        .filter(pk=customer_id)[:1]
    )
    if not found:
        raise Http404("No such customer")
    return found[0]


@dataclass(frozen=True, slots=True)
class Referral:
    pk: int
    name: str
    lifecycle_stage: str | None  # None: not scored


@dataclass(frozen=True)
class CustomerConnections:
    referred_by: str  # the name of who referred the customer ("" for nobody)
    campaign: str  # the name of the campaign that acquired it ("" for none)
    consumers: list[tuple[str, str]]  # (name, relation) of who uses what it buys
    referrals: list[Referral]  # the customers it referred that the user may see, newest first
    # A referrer the user may not open: its name is not shown (referred_by is then "").
    referred_by_hidden: bool = False


def customer_connections(*, user: User, customer: Customer, limit: int = 20) -> CustomerConnections:
    """Who referred the customer and through which campaign it came, who uses what it buys and
    whom it referred: one query for the 360 page (joins to the customer table cost more to plan
    than these lookups by key cost to run).

    The referrals and the referrer's name follow the role rule of customers_visible_to (a sales
    rep sees the ones they own), written here in SQL."""
    if not user.is_authenticated or not user.is_active:
        return CustomerConnections("", "", [], [])
    owned, params = "", [customer.pk, customer.pk]
    sees_all = sees_all_customers(user)
    if not sees_all:
        owned = "AND c.owner_id = %s"
        params.append(user.pk)
    arms = [
        "SELECT * FROM (SELECT 0, id, name, relation, NULL FROM customers_consumer "
        f"WHERE customer_id = %s ORDER BY id LIMIT {int(limit)}) AS consumers",
        "SELECT * FROM (SELECT 1, c.id, c.name, '', s.lifecycle_stage FROM customers_customer c "
        "LEFT JOIN insights_customerscore s ON s.customer_id = c.id "
        f"WHERE c.referred_by_id = %s {owned} "
        f"ORDER BY c.created_at DESC, c.id DESC LIMIT {int(limit)}) AS referrals",
    ]
    if customer.referred_by_id is not None:
        name = "name" if sees_all else "CASE WHEN owner_id = %s THEN name END"
        arms.append(f"SELECT 2, id, {name}, '', NULL FROM customers_customer WHERE id = %s")
        params.extend([customer.referred_by_id] if sees_all else [user.pk, customer.referred_by_id])
    if customer.campaign_id is not None:
        arms.append("SELECT 3, id, name, '', NULL FROM campaigns_campaign WHERE id = %s")
        params.append(customer.campaign_id)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(arms), params)
        rows = cursor.fetchall()
    names = {kind: name for kind, _, name, _, _ in rows if kind >= 2}
    return CustomerConnections(
        referred_by=names.get(2) or "",
        referred_by_hidden=2 in names and names[2] is None,
        campaign=names.get(3, ""),
        consumers=[(name, relation) for kind, _, name, relation, _ in rows if kind == 0],
        referrals=[Referral(pk, name, stage) for kind, pk, name, _, stage in rows if kind == 1],
    )


