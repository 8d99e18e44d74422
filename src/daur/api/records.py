"""The records of the interchange kinds that have no workflow of their own: products, orders
(with their lines), interactions, tickets and surveys. Read by their external id (interactions
and surveys, which have none, by the API's id); listed by cursor; created and changed through the
import's validation (daur.api.ingest), by admins and managers.

No `from __future__ import annotations` here: the views are made in a function, and
django-ninja reads their annotations as objects (a string would name a local it cannot see)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from daur.api.access import require_importing, through_customer
from daur.api.errors import ERRORS, invalid, not_found
from daur.api.ingest import LINES, Ingested, ingest, stored_cells
from daur.api.kind_schemas import StrictIn, lookups, record_in, record_out, record_values
from daur.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, id_page
from daur.api.text import Ident, clean_ident
from daur.customers.models import Customer
from daur.interchange.kinds import KINDS


@dataclass(frozen=True)
class Resource:
    kind: str
    prefix: str  # the URL: /orders
    key: str | None  # the column naming a record in URLs (None: the API's id)
    moment: str  # the date column the list filters by (since, until)
    visibility: str = "customer"  # "customer", "customer_or_lead" or "all"
    changeable: bool = True  # PATCH (the key's columns identify the record)


RESOURCES = (
    Resource("products", "/products", "sku", "launched_on", visibility="all"),
    Resource("orders", "/orders", "order_id", "ordered_at"),
    Resource("interactions", "/interactions", None, "occurred_at",
             visibility="customer_or_lead", changeable=False),
    Resource("tickets", "/tickets", "ticket_id", "opened_at"),
    Resource("surveys", "/surveys", None, "answered_at", changeable=False),
)


class Filters(Schema):
    customer_id: Ident | None = Field(None, description="Only this customer's records.")
    since: datetime | None = Field(None, description="From this moment (or day) on.")
    until: datetime | None = Field(None, description="Before this moment.")
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class Written(Schema):
    created: int
    updated: int
    unchanged: int


def _line_out() -> type[Schema]:
    return record_out("order_lines")


def _out(resource: Resource) -> type[Schema]:
    extra: tuple[tuple[str, Any], ...] = ()
    if resource.key is None:
        extra = (("id", (int, ...)),)
    if resource.kind == "orders":
        extra = ((LINES, (list[_line_out()], Field(default_factory=list))),)
    return record_out(resource.kind, extra=extra)


def _in(resource: Resource, partial: bool = False) -> type[Schema]:
    extra: tuple[tuple[str, Any], ...] = ()
    skip: tuple[str, ...] = ()
    if resource.kind == "orders" and not partial:
        line_in = record_in("order_lines", skip=("order_id",))
        extra = ((LINES, (list[line_in] | None, Field(None, max_length=1000))),)
    if partial and resource.key:
        skip = (resource.key,)
    return record_in(resource.kind, partial=partial, skip=skip, extra=extra)


@dataclass(frozen=True)
class Mounted:
    prefix: str
    router: Router


def _model(resource: Resource):  # noqa: ANN202 - a model class
    return apps.get_model(KINDS[resource.kind].model)


def _visible(resource: Resource, request: HttpRequest) -> QuerySet:
    qs = _model(resource).objects.all()
    if resource.visibility == "all":
        return qs
    return through_customer(qs, request.user, or_lead=resource.visibility == "customer_or_lead")


def _key_field(resource: Resource) -> str:
    if resource.key is None:
        return "pk"
    return KINDS[resource.kind].column(resource.key).field


def _rows(resource: Resource, qs: QuerySet) -> list[dict[str, Any]]:
    spec = KINDS[resource.kind]
    rows = list(qs.order_by("pk").values("pk", "custom_fields", *lookups(spec)))
    out = []
    for row in rows:
        values = record_values(spec, row)
        if resource.key is None:
            values["id"] = row["pk"]
        out.append(values)
    if resource.kind == "orders" and rows:
        _attach_lines(out, [row["pk"] for row in rows])
    return out


def _attach_lines(orders: list[dict[str, Any]], pks: list[int]) -> None:
    spec = KINDS["order_lines"]
    model = apps.get_model(spec.model)
    lines = model.objects.filter(order_id__in=pks).order_by("pk")
    by_order: dict[int, list] = {}
    for row in lines.values("order_id", "custom_fields", *lookups(spec)):
        by_order.setdefault(row["order_id"], []).append(record_values(spec, row))
    for order, pk in zip(orders, pks):
        order[LINES] = by_order.get(pk, [])


def _one(resource: Resource, request: HttpRequest, key: str) -> dict[str, Any]:
    qs = _visible(resource, request)
    if resource.key is None:
        usable = key.isascii() and key.isdigit() and len(key) < 19
        rows = _rows(resource, qs.filter(pk=int(key))) if usable else []
    else:
        ident = clean_ident(key)
        rows = _rows(resource, qs.filter(**{_key_field(resource): ident})) if ident else []
    if not rows:
        raise not_found(resource.kind.rstrip("s"))
    return rows[0]


def _mount(resource: Resource) -> Mounted:
    router = Router(tags=[resource.kind])
    out, create_in = _out(resource), _in(resource)
    noun = resource.kind.rstrip("s")
    key_doc = f"The {resource.key}" if resource.key else f"The {noun}'s id"

    @router.get("", response={200: Page[out], **ERRORS}, operation_id=f"{resource.kind}_list",
                summary=f"List {resource.kind}")
    def listing(request: HttpRequest, filters: Query[Filters]) -> dict:
        qs = _visible(resource, request)
        if filters.customer_id and resource.visibility == "all":
            raise invalid("customer_id", f"{resource.kind} belong to no customer")
        if filters.customer_id:
            customer = Customer.objects.filter(external_id=filters.customer_id).values("pk")
            qs = qs.filter(customer__in=customer)
        if filters.since:
            qs = qs.filter(**{f"{resource.moment}__gte": filters.since})
        if filters.until:
            qs = qs.filter(**{f"{resource.moment}__lt": filters.until})
        page, cursor = id_page(
            qs.only("pk"), scope=resource.kind, cursor=filters.cursor, limit=filters.limit
        )
        rows = _rows(resource, _model(resource).objects.filter(pk__in=[r.pk for r in page]))
        return {"data": rows, "next_cursor": cursor, "has_more": cursor is not None}

    @router.get("/{key}", response={200: out, **ERRORS}, operation_id=f"{noun}_get",
                summary=f"Read one {noun}", description=f"`key`: {key_doc}.")
    def read(request: HttpRequest, key: str) -> dict:
        return _one(resource, request, key)

    @router.post("", response={201: Written, **ERRORS}, operation_id=f"{noun}_create",
                 summary=f"Create (or, by its id, update) one {noun} as the import would")
    def create(request: HttpRequest, body: create_in) -> Status:
        require_importing(request.user)
        done = ingest(resource.kind, [body.model_dump()])
        return Status(201, _written(done))

    if resource.changeable:
        change_in = _in(resource, partial=True)

        @router.patch("/{key}", response={200: out, **ERRORS}, operation_id=f"{noun}_update",
                      summary=f"Change one {noun}", description=f"`key`: {key_doc}.")
        def update(request: HttpRequest, key: str, body: change_in) -> dict:
            require_importing(request.user)
            current = _one(resource, request, key)
            current.pop(LINES, None)
            current.pop("custom_fields", None)
            cells = {**stored_cells(current), **body.model_dump(exclude_unset=True)}
            ingest(resource.kind, [cells])
            return _one(resource, request, key)

    return Mounted(resource.prefix, router)


def _written(done: Ingested) -> dict[str, int]:
    return {"created": done.created, "updated": done.updated, "unchanged": done.unchanged}


def routers() -> list[Mounted]:
    return [_mount(resource) for resource in RESOURCES]


__all__ = ["RESOURCES", "StrictIn", "routers"]
