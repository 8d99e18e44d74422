"""Reads of a reseller's business: the orders it resold and the customers it served, paged.

A reseller (a customer whose relationship is "intermediary") is recorded on the orders it
placed on behalf of end customers (`Order.reseller`). Who the end customer is follows the role
rule of customers.selectors.customers_visible_to: a sales rep sees the names of the customers
they own, and "another customer" for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max

from daur.accounts.models import User
from daur.customers.access import customers_visible_to, sees_all_customers
from daur.customers.models import Customer
from daur.sales.models import Order

RESOLD_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class ResoldOrder:
    ordered_at: datetime
    external_id: str
    amount: Decimal
    currency: str
    channel: str
    customer_pk: int | None  # None: a customer the user may not open (its name not shown)
    customer_name: str


@dataclass(frozen=True, slots=True)
class ServedCustomer:
    pk: int | None  # None: a customer the user may not open
    name: str
    orders: int
    last_order: datetime


def _visible_ids(user: User, ids: set[int]) -> set[int]:
    if sees_all_customers(user):
        return ids
    return set(customers_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def _page(qs, number) -> Page:  # noqa: ANN001 - a queryset; a page number from the query string
    return Paginator(qs, RESOLD_PAGE_SIZE).get_page(number)


def resold_orders(*, user: User, reseller: Customer, page: str | int | None = 1) -> Page:
    """A page of the orders the reseller resold, newest first, as ResoldOrder."""
    qs = (
        Order.objects.filter(reseller=reseller)
        .order_by("-ordered_at", "-id")
        .values_list(
            "ordered_at", "external_id", "amount", "currency", "channel", "customer_id",
            "customer__name",
        )
    )
    found = _page(qs, page)
    visible = _visible_ids(user, {row[5] for row in found.object_list})
    found.object_list = [
        ResoldOrder(*row[:5], row[5] if row[5] in visible else None,
                    row[6] if row[5] in visible else "")
        for row in found.object_list
    ]
    return found


def reseller_customers(*, user: User, reseller: Customer, page: str | int | None = 1) -> Page:
    """A page of the end customers the reseller served, the latest served first, as
    ServedCustomer."""
    qs = (
        Order.objects.filter(reseller=reseller)
        .values("customer_id", "customer__name")
        .annotate(orders=Count("id"), last_order=Max("ordered_at"))
        .order_by("-last_order", "-customer_id")
    )
    found = _page(qs, page)
    visible = _visible_ids(user, {row["customer_id"] for row in found.object_list})
    found.object_list = [
        ServedCustomer(
            row["customer_id"] if row["customer_id"] in visible else None,
            row["customer__name"] if row["customer_id"] in visible else "",
            row["orders"],
            row["last_order"],
        )
        for row in found.object_list
    ]
    return found

