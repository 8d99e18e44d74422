"""The nine interchange kinds of SPEC §3: their columns, how each is parsed, and where it goes.

What a kind is made of (`Kind`, `Column`, `Reference`, `ParseContext`) and the column parsers are
in `columns`; they are importable from here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from daur import vocabulary
from daur.engagement.models import interaction_natural_key
from daur.interchange import values as v
from daur.interchange.columns import (
    Column,
    Kind,
    ParseContext,
    Reference,
    choice,
    currency,
    day,
    ident,
    moment,
    money,
    note,
    text,
)

__all__ = ["KINDS", "Column", "Kind", "ParseContext", "Reference"]

ZERO = Decimal(0)

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
                Column("customer_id", ident(), "external_id", required=True),
                Column("name", text(255, required=True), "name", required=True),
                Column("kind", choice(vocabulary.CUSTOMER_KINDS, default="person"), "kind"),
                Column(
                    "relationship",
                    choice(vocabulary.RELATIONSHIPS, default="external"),
                    "relationship",
                ),
                Column("email", lambda c: v.email(), "email"),
                Column("phone", text(64), "phone"),
                Column("country", text(64), "country"),
                Column("city", text(128), "city"),
                Column("industry", text(128), "industry"),
                Column(
                    "acquired_via",
                    choice(vocabulary.ACQUISITION_CHANNELS, default=""),
                    "acquired_via",
                ),
                Column("campaign_id", ident(False), "campaign", reference=CAMPAIGN),
                Column("referred_by", ident(False), "referred_by", reference=CUSTOMER),
                Column("created_at", moment(), "created_at", keep_if_empty=True),
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
                Column("sku", ident(), "sku", required=True),
                Column("name", text(255, required=True), "name", required=True),
                Column("category", text(128, required=True), "category", required=True),
                Column("tier", choice(vocabulary.PRODUCT_TIERS, default=""), "tier"),
                Column("price", money(minimum=ZERO), "price"),
                Column("unit_cost", money(minimum=ZERO), "unit_cost"),
                Column("launched_on", day(), "launched_on"),
            ),
            key=("sku",),
            conflict_fields=("sku",),
        ),
        Kind(
            name="orders",
            model="sales.Order",
            columns=(
                Column("order_id", ident(), "external_id", required=True),
                Column("customer_id", ident(), "customer", required=True, reference=CUSTOMER),
                Column("ordered_at", moment(required=True), "ordered_at", required=True),
                Column("amount", money(required=True), "amount", required=True),
                Column("currency", currency(), "currency"),
                Column("discount_amount", money(default=ZERO, minimum=ZERO), "discount_amount"),
                Column("coupon_code", text(64), "coupon_code"),
                Column("channel", text(64), "channel"),
                Column("reseller_id", ident(False), "reseller", reference=INTERMEDIARY),
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
                    ident(),
                    "order",
                    required=True,
                    reference=Reference(
                        "sales.Order", "external_id", carry=(("customer", "customer_id"),)
                    ),
                ),
                Column(
                    "sku",
                    ident(),
                    "product",
                    required=True,
                    reference=Reference("catalog.Product", "sku"),
                ),
                Column(
                    "quantity",
                    money(max_digits=12, places=3, required=True, positive=True),
                    "quantity",
                    required=True,
                ),
                Column(
                    "unit_price",
                    money(required=True, minimum=ZERO),
                    "unit_price",
                    required=True,
                ),
                Column("discount_amount", money(default=ZERO, minimum=ZERO), "discount_amount"),
            ),
            key=("order_id", "sku"),
            conflict_fields=("order", "product"),
        ),
        Kind(
            name="interactions",
            model="engagement.Interaction",
            columns=(
                Column("customer_id", ident(False), "customer", reference=CUSTOMER),
                Column(
                    "lead_id",
                    ident(False),
                    "lead",
                    reference=Reference("leads.Lead", "external_id"),
                ),
                Column(
                    "kind",
                    choice(vocabulary.INTERACTION_KINDS, required=True),
                    "kind",
                    required=True,
                ),
                Column("occurred_at", moment(required=True), "occurred_at", required=True),
                Column("channel", text(64), "channel"),
                Column("user", lambda c: v.optional_text(max_length=150), "user", reference=USER),
                Column("note", note(), "note"),
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
                Column("ticket_id", ident(), "external_id", required=True),
                Column("customer_id", ident(), "customer", required=True, reference=CUSTOMER),
                Column(
                    "kind", choice(vocabulary.TICKET_KINDS, required=True), "kind", required=True
                ),
                Column("opened_at", moment(required=True), "opened_at", required=True),
                Column("first_response_at", moment(), "first_response_at"),
                Column("resolved_at", moment(), "resolved_at"),
                Column("status", choice(vocabulary.TICKET_STATUSES, default="open"), "status"),
                Column("accepted", lambda c: v.boolean(), "accepted"),
                Column("satisfaction", lambda c: v.integer(low=1, high=5), "satisfaction"),
                Column(
                    "priority", choice(vocabulary.TICKET_PRIORITIES, default="normal"), "priority"
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
                Column("customer_id", ident(), "customer", required=True, reference=CUSTOMER),
                Column("answered_at", moment(required=True), "answered_at", required=True),
                Column(
                    "nps", lambda c: v.integer(low=0, high=10, required=True), "nps", required=True
                ),
                Column("comment", note(), "comment"),
            ),
            key=("customer_id", "answered_at"),
            conflict_fields=("customer", "answered_at"),
        ),
        Kind(
            name="campaigns",
            model="campaigns.Campaign",
            columns=(
                Column("campaign_id", ident(), "external_id", required=True),
                Column("name", text(255, required=True), "name", required=True),
                Column(
                    "channel",
                    choice(vocabulary.ACQUISITION_CHANNELS, required=True),
                    "channel",
                    required=True,
                ),
                Column(
                    "purpose",
                    choice(vocabulary.CAMPAIGN_PURPOSES, default="acquisition"),
                    "purpose",
                ),
                Column("cost", money(minimum=ZERO), "cost"),
                Column("started_on", day(), "started_on"),
                Column("ended_on", day(), "ended_on"),
            ),
            key=("campaign_id",),
            conflict_fields=("external_id",),
            row_check=_check_campaign,
        ),
        Kind(
            name="leads",
            model="leads.Lead",
            columns=(
                Column("lead_id", ident(), "external_id", required=True),
                Column("name", text(255, required=True), "name", required=True),
                Column(
                    "source",
                    choice(vocabulary.ACQUISITION_CHANNELS, required=True),
                    "source",
                    required=True,
                ),
                Column("campaign_id", ident(False), "campaign", reference=CAMPAIGN),
                Column("created_at", moment(), "created_at", keep_if_empty=True),
                Column("stage", choice(vocabulary.LEAD_STAGES, default="new"), "stage"),
                Column("owner", lambda c: v.optional_text(max_length=150), "owner", reference=USER),
                Column("email", lambda c: v.email(), "email"),
                Column("company", text(255), "company"),
                Column(
                    "converted_customer_id", ident(False), "converted_customer", reference=CUSTOMER
                ),
                Column("converted_at", moment(), "converted_at"),
                Column("expected_value", money(minimum=ZERO), "expected_value"),
                Column(
                    "lost_reason", choice(vocabulary.LEAD_LOST_REASONS, default=""), "lost_reason"
                ),
            ),
            key=("lead_id",),
            conflict_fields=("external_id",),
            row_check=_check_lead,
            extension_columns=("expected_value", "lost_reason"),
        ),
    )
}
