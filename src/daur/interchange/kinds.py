"""The nine interchange kinds of SPEC §3: their columns, how each is parsed, and where it goes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from daur import vocabulary
from daur.engagement.models import interaction_natural_key
from daur.interchange import dates
from daur.interchange import values as v

ID_MAX = 64
ZERO = Decimal(0)


@dataclass(frozen=True)
class ParseContext:
    """What parsers need to know about this import: the time zone and the database's value forms."""

    zone: tzinfo
    store_moment: Callable[[datetime], Any]
    store_day: Callable[[date], Any]
    default_currency: str
    known_currencies: tuple[str, ...]  # the base currency first, then those with a rate
    now: datetime  # the import's start: later events have not happened yet


@dataclass(frozen=True)
class Reference:
    """A column holding another record's external id (or a username)."""

    model: str
    key_field: str
    # Optional further requirement on the referenced row: (SQL on alias r, reason if unmet).
    condition: tuple[str, str] | None = None


@dataclass(frozen=True)
class Column:
    name: str
    parser: Callable[[ParseContext], v.Parser]
    field: str | None = None
    required: bool = False
    reference: Reference | None = None
    keep_if_empty: bool = False  # an empty value keeps what is stored (created_at)


@dataclass(frozen=True)
class Kind:
    name: str
    model: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the columns that identify a row in a file
    conflict_fields: tuple[str, ...]  # the model fields of the unique constraint upserted on
    row_check: Callable[[dict[str, list[Any]]], Iterator[tuple[int, str, str]]] | None = None
    # Computes the column `natural_key` for kinds whose rows have no id of their own.
    natural_key: Callable[[dict[str, list[Any]]], list[str | None]] | None = None
    extension_columns: tuple[str, ...] = field(default=())  # columns beyond SPEC §3, documented

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


def _id(required: bool = True) -> Callable[[ParseContext], v.Parser]:
    if required:
        return lambda c: v.text(max_length=ID_MAX, required=True)
    return lambda c: v.optional_text(max_length=ID_MAX)


def _text(max_length: int, required: bool = False) -> Callable[[ParseContext], v.Parser]:
    return lambda c: v.text(max_length=max_length, required=required)


def _note() -> Callable[[ParseContext], v.Parser]:
    return lambda c: v.text(max_length=v.NOTE_MAX_CHARS, strip=False)


def _moment(required: bool = False) -> Callable[[ParseContext], v.Parser]:
    return lambda c: dates.moment(zone=c.zone, now=c.now, required=required, store=c.store_moment)


def _day() -> Callable[[ParseContext], v.Parser]:
    return lambda c: dates.day(today=c.now.date(), store=c.store_day)


def _currency() -> Callable[[ParseContext], v.Parser]:
    return lambda c: v.currency(default=c.default_currency, known=c.known_currencies)


def _money(**options: Any) -> Callable[[ParseContext], v.Parser]:
    return lambda c: v.decimal(**options)


def _choice(values: tuple[str, ...], **options: Any) -> Callable[[ParseContext], v.Parser]:
    return lambda c: v.choice(values, **options)


CUSTOMER = Reference("customers.Customer", "external_id")
INTERMEDIARY = Reference(
    "customers.Customer",
    "external_id",
    condition=("r.relationship = 'intermediary'", "is not an intermediary (reseller) customer"),
)
USER = Reference("accounts.User", "username")
CAMPAIGN = Reference("campaigns.Campaign", "external_id")


# Cross-column checks see a chunk of parsed columns and yield (position, column, reason).
Checks = Iterator[tuple[int, str, str]]


def _check_customer(cols: dict[str, list[Any]]) -> Checks:
    for i, (me, referrer) in enumerate(zip(cols["customer_id"], cols["referred_by"])):
        if referrer is not None and referrer == me:
            yield i, "referred_by", "a customer cannot refer itself"


def _check_interaction(cols: dict[str, list[Any]]) -> Checks:
    for i, (customer, lead) in enumerate(zip(cols["customer_id"], cols["lead_id"])):
        if customer is None and lead is None:
            yield i, "customer_id", "is required when lead_id is empty (give one of the two)"


def _check_ticket(cols: dict[str, list[Any]]) -> Checks:
    rows = zip(
        cols["opened_at"],
        cols["first_response_at"],
        cols["resolved_at"],
        cols["kind"],
        cols["accepted"],
    )
    for i, (opened, responded, resolved, kind, accepted) in enumerate(rows):
        if opened is not None:
            if responded is not None and responded < opened:
                yield i, "first_response_at", f"is before opened_at ({opened})"
            if resolved is not None and resolved < opened:
                yield i, "resolved_at", f"is before opened_at ({opened})"
        if accepted is not None and kind != "suggestion":
            yield i, "accepted", "applies to suggestions only"


def _check_campaign(cols: dict[str, list[Any]]) -> Checks:
    for i, (start, end) in enumerate(zip(cols["started_on"], cols["ended_on"])):
        if start is not None and end is not None and end < start:
            yield i, "ended_on", f"is before started_on ({start})"


def _check_lead(cols: dict[str, list[Any]]) -> Checks:
    for i, (reason, stage) in enumerate(zip(cols["lost_reason"], cols["stage"])):
        if reason and stage != "lost":
            yield i, "lost_reason", "is only for leads in stage 'lost'"


def _interaction_keys(cols: dict[str, list[Any]]) -> list[str | None]:
    keys: list[str | None] = []
    rows = zip(cols["customer_id"], cols["lead_id"], cols["kind"], cols["occurred_at"])
    for customer, lead, kind, occurred in rows:
        if occurred is None or kind is None:
            keys.append(None)  # the row is bad anyway
            continue
        utc = occurred if isinstance(occurred, str) else str(occurred.replace(tzinfo=None))
        keys.append(
            interaction_natural_key(
                customer_id=customer, lead_id=lead, kind=kind, occurred_at_utc=utc
            )
        )
    return keys


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            name="customers",
            model="customers.Customer",
            columns=(
                Column("customer_id", _id(), "external_id", required=True),
                Column("name", _text(255, required=True), "name", required=True),
                Column("kind", _choice(vocabulary.CUSTOMER_KINDS, default="person"), "kind"),
                Column(
                    "relationship",
                    _choice(vocabulary.RELATIONSHIPS, default="external"),
                    "relationship",
                ),
                Column("email", lambda c: v.email(), "email"),
                Column("phone", _text(64), "phone"),
                Column("country", _text(64), "country"),
                Column("city", _text(128), "city"),
                Column("industry", _text(128), "industry"),
                Column(
                    "acquired_via",
                    _choice(vocabulary.ACQUISITION_CHANNELS, default=""),
                    "acquired_via",
                ),
                Column("campaign_id", _id(False), "campaign", reference=CAMPAIGN),
                Column("referred_by", _id(False), "referred_by", reference=CUSTOMER),
                Column("created_at", _moment(), "created_at", keep_if_empty=True),
                Column("owner", lambda c: v.optional_text(max_length=150), "owner", reference=USER),
            ),
            key=("customer_id",),
            conflict_fields=("external_id",),
            row_check=_check_customer,
            extension_columns=("owner",),
        ),
        Kind(
            name="products",
            model="catalog.Product",
            columns=(
                Column("sku", _id(), "sku", required=True),
                Column("name", _text(255, required=True), "name", required=True),
                Column("category", _text(128, required=True), "category", required=True),
                Column("tier", _choice(vocabulary.PRODUCT_TIERS, default=""), "tier"),
                Column("price", _money(minimum=ZERO), "price"),
                Column("unit_cost", _money(minimum=ZERO), "unit_cost"),
                Column("launched_on", _day(), "launched_on"),
            ),
            key=("sku",),
            conflict_fields=("sku",),
        ),
        Kind(
            name="orders",
            model="sales.Order",
            columns=(
                Column("order_id", _id(), "external_id", required=True),
                Column("customer_id", _id(), "customer", required=True, reference=CUSTOMER),
                Column("ordered_at", _moment(required=True), "ordered_at", required=True),
                Column("amount", _money(required=True), "amount", required=True),
                Column("currency", _currency(), "currency"),
                Column("discount_amount", _money(default=ZERO, minimum=ZERO), "discount_amount"),
                Column("coupon_code", _text(64), "coupon_code"),
                Column("channel", _text(64), "channel"),
                Column("reseller_id", _id(False), "reseller", reference=INTERMEDIARY),
            ),
            key=("order_id",),
            conflict_fields=("external_id",),
        ),
        Kind(
            name="order_lines",
            model="sales.OrderLine",
            columns=(
                Column(
                    "order_id",
                    _id(),
                    "order",
                    required=True,
                    reference=Reference("sales.Order", "external_id"),
                ),
                Column(
                    "sku",
                    _id(),
                    "product",
                    required=True,
                    reference=Reference("catalog.Product", "sku"),
                ),
                Column(
                    "quantity",
                    _money(max_digits=12, places=3, required=True, positive=True),
                    "quantity",
                    required=True,
                ),
                Column(
                    "unit_price",
                    _money(required=True, minimum=ZERO),
                    "unit_price",
                    required=True,
                ),
                Column("discount_amount", _money(default=ZERO, minimum=ZERO), "discount_amount"),
            ),
            key=("order_id", "sku"),
            conflict_fields=("order", "product"),
        ),
        Kind(
            name="interactions",
            model="engagement.Interaction",
            columns=(
                Column("customer_id", _id(False), "customer", reference=CUSTOMER),
                Column(
                    "lead_id", _id(False), "lead", reference=Reference("leads.Lead", "external_id")
                ),
                Column(
                    "kind",
                    _choice(vocabulary.INTERACTION_KINDS, required=True),
                    "kind",
                    required=True,
                ),
                Column("occurred_at", _moment(required=True), "occurred_at", required=True),
                Column("channel", _text(64), "channel"),
                Column("user", lambda c: v.optional_text(max_length=150), "user", reference=USER),
                Column("note", _note(), "note"),
            ),
            key=("natural_key",),
            conflict_fields=("natural_key",),
            row_check=_check_interaction,
            natural_key=_interaction_keys,
        ),
        Kind(
            name="tickets",
            model="servicedesk.Ticket",
            columns=(
                Column("ticket_id", _id(), "external_id", required=True),
                Column("customer_id", _id(), "customer", required=True, reference=CUSTOMER),
                Column(
                    "kind", _choice(vocabulary.TICKET_KINDS, required=True), "kind", required=True
                ),
                Column("opened_at", _moment(required=True), "opened_at", required=True),
                Column("first_response_at", _moment(), "first_response_at"),
                Column("resolved_at", _moment(), "resolved_at"),
                Column("status", _choice(vocabulary.TICKET_STATUSES, default="open"), "status"),
                Column("accepted", lambda c: v.boolean(), "accepted"),
                Column("satisfaction", lambda c: v.integer(low=1, high=5), "satisfaction"),
                Column(
                    "priority", _choice(vocabulary.TICKET_PRIORITIES, default="normal"), "priority"
                ),
            ),
            key=("ticket_id",),
            conflict_fields=("external_id",),
            row_check=_check_ticket,
            extension_columns=("priority",),
        ),
        Kind(
            name="surveys",
            model="surveys.SurveyAnswer",
            columns=(
                Column("customer_id", _id(), "customer", required=True, reference=CUSTOMER),
                Column("answered_at", _moment(required=True), "answered_at", required=True),
                Column(
                    "nps", lambda c: v.integer(low=0, high=10, required=True), "nps", required=True
                ),
                Column("comment", _note(), "comment"),
            ),
            key=("customer_id", "answered_at"),
            conflict_fields=("customer", "answered_at"),
        ),
        Kind(
            name="campaigns",
            model="campaigns.Campaign",
            columns=(
                Column("campaign_id", _id(), "external_id", required=True),
                Column("name", _text(255, required=True), "name", required=True),
                Column(
                    "channel",
                    _choice(vocabulary.ACQUISITION_CHANNELS, required=True),
                    "channel",
                    required=True,
                ),
                Column(
                    "purpose",
                    _choice(vocabulary.CAMPAIGN_PURPOSES, default="acquisition"),
                    "purpose",
                ),
                Column("cost", _money(minimum=ZERO), "cost"),
                Column("started_on", _day(), "started_on"),
                Column("ended_on", _day(), "ended_on"),
            ),
            key=("campaign_id",),
            conflict_fields=("external_id",),
            row_check=_check_campaign,
        ),
        Kind(
            name="leads",
            model="leads.Lead",
            columns=(
                Column("lead_id", _id(), "external_id", required=True),
                Column("name", _text(255, required=True), "name", required=True),
                Column(
                    "source",
                    _choice(vocabulary.ACQUISITION_CHANNELS, required=True),
                    "source",
                    required=True,
                ),
                Column("campaign_id", _id(False), "campaign", reference=CAMPAIGN),
                Column("created_at", _moment(), "created_at", keep_if_empty=True),
                Column("stage", _choice(vocabulary.LEAD_STAGES, default="new"), "stage"),
                Column("owner", lambda c: v.optional_text(max_length=150), "owner", reference=USER),
                Column("email", lambda c: v.email(), "email"),
                Column("company", _text(255), "company"),
                Column(
                    "converted_customer_id", _id(False), "converted_customer", reference=CUSTOMER
                ),
                Column("converted_at", _moment(), "converted_at"),
                Column("expected_value", _money(minimum=ZERO), "expected_value"),
                Column(
                    "lost_reason", _choice(vocabulary.LEAD_LOST_REASONS, default=""), "lost_reason"
                ),
            ),
            key=("lead_id",),
            conflict_fields=("external_id",),
            row_check=_check_lead,
            extension_columns=("expected_value", "lost_reason"),
        ),
    )
}
