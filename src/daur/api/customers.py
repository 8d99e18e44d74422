"""Customers: the list with the pages' filters (daur.customers.query), one customer with its
consumers and score, create and change through the pages' form and actions, the score with its
evidence, and merging duplicates. A sales rep's token sees the rep's customers only."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from daur.accounts.models import User
from daur.actions.customers import customer_create, customer_update
from daur.actions.customers_merge import MergeRefused, customer_merge
from daur.api.errors import ERRORS, ApiError, invalid, not_found
from daur.api.kind_schemas import StrictIn, lookups, record_out, record_values
from daur.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_make, cursor_read
from daur.api.scores import SCORE_LOOKUPS, ScoreBrief, ScoreOut, brief_of, score_read
from daur.api.text import Ident, Line, clean_ident
from daur.customers.access import (
    customers_creatable_by,
    customers_editable_by,
    customers_visible_to,
    sees_all_customers,
)
from daur.customers.models import Consumer as ConsumerRecord
from daur.customers.models import Customer
from daur.customers.query import FilterQueryError, filters_from_query
from daur.customers.selectors import customer_list, list_sort
from daur.db.compiled import CompiledValues
from daur.interchange.kinds import KINDS
from daur.web.customer_form import CustomerForm

router = Router(tags=["customers"])
SPEC = KINDS["customers"]
SCOPE = "customers"
READ_FIELDS = ("pk", "custom_fields", "email_consent", *lookups(SPEC), *SCORE_LOOKUPS)


class Consumer(Schema):
    id: int
    name: str
    relation: str


CustomerOut = record_out(
    "customers",
    extra=(
        ("email_consent", (bool, ...)),
        ("consumers", (list[Consumer], Field(default_factory=list))),
        ("score", (ScoreBrief | None, None)),
    ),
)


class ListParams(Schema):
    """The customer list's filters, as on the page (docs: the list's query string)."""

    q: str | None = Field(None, max_length=100, description="Name, e-mail, phone or id.")
    match: str | None = Field(None, max_length=16, description="words, prefix or contains")
    stage: str | None = Field(None, max_length=32)
    type: str | None = Field(None, max_length=32)
    orientation: str | None = Field(None, max_length=32)
    segment: str | None = Field(None, max_length=32)
    strategy: str | None = Field(None, max_length=32)
    rfm_r: str | None = Field(None, max_length=2)
    rfm_f: str | None = Field(None, max_length=2)
    clv_min: str | None = Field(None, max_length=32)
    clv_max: str | None = Field(None, max_length=32)
    owner: str | None = Field(None, max_length=12, description="The owner's user id.")
    country: str | None = Field(None, max_length=64)
    city: str | None = Field(None, max_length=128)
    relationship: str | None = Field(None, max_length=16)
    sort: str | None = Field(None, max_length=16, description="name, clv, p_alive or created")
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class CustomerIn(StrictIn):
    customer_id: Ident | None = Field(None, description="Made for you when left out.")
    name: Line
    kind: str | None = Field(None, max_length=16)
    relationship: str | None = Field(None, max_length=16)
    email: Line | None = None
    phone: Line | None = None
    email_consent: bool | None = None
    country: Line | None = None
    city: Line | None = None
    industry: Line | None = None
    acquired_via: str | None = Field(None, max_length=32)
    owner: Ident | None = Field(None, description="The owner's username (admins and managers).")


class CustomerChange(CustomerIn):
    customer_id: None = Field(None, description="Fixed once the customer exists.")
    name: Line | None = None


class MergeIn(StrictIn):
    duplicates: list[Ident] = Field(..., min_length=1, max_length=50)


class MergeOut(Schema):
    customer_id: str
    merged: list[str]
    moved_records: int


def _seen(request: HttpRequest, external_id: str):  # noqa: ANN202 - a QuerySet
    """The customer of this external id among those the user sees (none for an id no customer
    can have)."""
    ident = clean_ident(external_id)
    if ident is None:
        return Customer.objects.none()
    # Filtered on the unique key and never ordered: one index read (a LIMIT with ORDER BY id
    # could walk the primary key instead).
    return customers_visible_to(request.user).filter(external_id=ident).order_by()


def visible(request: HttpRequest, external_id: str) -> int:
    """The pk of a customer the user sees, by its external id; else a 404."""
    found = list(_seen(request, external_id).values_list("pk", flat=True)[:1])
    if not found:
        raise not_found("customer")
    return found[0]


def rows(pks: list[int]) -> list[dict[str, Any]]:
    """The customers of `pks`, in that order, with consumers and score."""
    return _rows_of(Customer.objects.filter(pk__in=pks), order=pks)


def _rows_of(qs, order: list[int] | None = None) -> list[dict[str, Any]]:  # noqa: ANN001
    """The customers of `qs` (in `order`'s order when given), each with its score (one joined
    query) and its consumers."""
    found = {row["pk"]: row for row in qs.values(*READ_FIELDS)}
    pks = order if order is not None else list(found)
    consumers: dict[int, list] = {}
    for row in ConsumerRecord.objects.filter(customer_id__in=pks).order_by("pk").values(
        "pk", "customer_id", "name", "relation"
    ):
        consumers.setdefault(row["customer_id"], []).append(_consumer(row))
    return [_record(found[pk], consumers.get(pk, [])) for pk in pks if pk in found]


def _consumer(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["pk"], "name": row["name"], "relation": row["relation"]}


def _record(row: dict[str, Any], consumers: list[dict[str, Any]]) -> dict[str, Any]:
    values = record_values(SPEC, row)
    values.update(email_consent=row["email_consent"], consumers=consumers, score=brief_of(row))
    return values


@router.get("", response={200: Page[CustomerOut], **ERRORS}, operation_id="customers_list",
            summary="List customers, filtered as on the customer list page")
def customers_listing(request: HttpRequest, params: Query[ListParams]) -> dict:
    given = params.model_dump(exclude={"cursor", "limit"}, exclude_none=True)
    try:
        filters = filters_from_query(urlencode(given))
    except FilterQueryError as error:
        raise ApiError(422, str(error), [{"field": "query", "reason": str(error)}]) from None
    sort = list_sort(filters)
    if params.cursor:
        carried = cursor_read(SCOPE, params.cursor)
        if not isinstance(carried, list) or len(carried) != 2 or carried[0] != sort:
            raise invalid("cursor", "belongs to another list or order", status=400)
        filters = replace(filters, cursor=str(carried[1]))
    page = customer_list(user=request.user, filters=filters, limit=params.limit)
    cursor = cursor_make(SCOPE, [sort, page.next_cursor]) if page.next_cursor else None
    data = rows([c.pk for c in page.customers])
    return {"data": data, "next_cursor": cursor, "has_more": cursor is not None}


_NO_IDENT, _NO_OWNER = "\x00ident", -7_654_321  # values no request sends


def _one_customer(shape: str, *, ident: str, owner: int) -> QuerySet:
    """The customer of an external id, as `customers_visible_to` scopes it: everyone's ("all")
    or the user's own ("own")."""
    base = Customer.objects.all() if shape == "all" else Customer.objects.filter(owner_id=owner)
    # Whether it has consumers, in the same query: most customers have none, and their read
    # then needs no second query.
    has = Exists(ConsumerRecord.objects.filter(customer_id=OuterRef("pk")))
    return (
        base.filter(external_id=ident).order_by().annotate(has_consumers=has)
        .values(*READ_FIELDS, "has_consumers")
    )


def _its_consumers(shape: str, *, customer: int) -> QuerySet:
    return (
        ConsumerRecord.objects.filter(customer_id=customer)
        .order_by("pk")
        .values("pk", "customer_id", "name", "relation")
    )


ONE_CUSTOMER = CompiledValues(
    _one_customer, {"ident": _NO_IDENT, "owner": _NO_OWNER}, "api.customer_read"
)
ITS_CONSUMERS = CompiledValues(_its_consumers, {"customer": _NO_OWNER}, "api.customer_consumers")


@router.get("/{customer_id}", response={200: CustomerOut, **ERRORS}, operation_id="customer_get",
            summary="Read one customer, with its consumers and score")
def customer_read(request: HttpRequest, customer_id: str) -> dict:
    """The hottest read of the API: its queries compiled once per process (daur.db.compiled), the
    same rows as `_rows_of`; the consumers read only for a customer that has some."""
    ident, user = clean_ident(customer_id), request.user
    if ident is None or not user.is_authenticated or not user.is_active:
        raise not_found("customer")
    shape = "all" if sees_all_customers(user) else "own"
    found = ONE_CUSTOMER.rows(shape, ident=ident, owner=user.pk)
    if not found:
        raise not_found("customer")
    row = found[0]
    consumers = ITS_CONSUMERS.rows("all", customer=row["pk"]) if row["has_consumers"] else []
    return _record(row, [_consumer(c) for c in consumers])


@router.get("/{customer_id}/score", response={200: ScoreOut, **ERRORS},
            operation_id="customer_score", summary="A customer's score, evidence and reasons")
def customer_score(request: HttpRequest, customer_id: str) -> dict:
    pk = visible(request, customer_id)
    out = score_read(customer_id=pk, external_id=customer_id)
    if out is None:
        raise not_found("score: the customer was not scored yet (run `daur score`)")
    return out


def _form_data(values: dict[str, Any], instance: Customer | None) -> dict[str, Any]:
    """The API's fields as the customer form's (the customer id is its `external_id`; the
    owner a user id)."""
    data: dict[str, Any] = {}
    if instance is not None:
        for name in ("name", "kind", "relationship", "email", "phone", "country", "city",
                     "industry", "acquired_via"):
            data[name] = getattr(instance, name)
        data["email_consent"] = "on" if instance.email_consent else ""
        data["owner"] = instance.owner_id or ""
    for name, value in values.items():
        if name == "customer_id":
            data["external_id"] = value or ""
        elif name == "owner":
            owner = User.objects.filter(username=value).values_list("pk", flat=True).first()
            data["owner"] = owner or (-1 if value else "")
        elif name == "email_consent":
            data[name] = "on" if value else ""
        else:
            data[name] = "" if value is None else value
    if instance is None:
        data = {k: v for k, v in data.items() if v != "" or k not in ("kind", "relationship")}
    if instance is None:
        data.setdefault("email_consent", "on")
        data.setdefault("kind", "person")
        data.setdefault("relationship", "external")
    return data


def _refused(form: CustomerForm) -> ApiError:
    errors = []
    for name, messages in form.errors.items():
        field = {"external_id": "customer_id", "__all__": "-"}.get(name, name)
        errors.extend({"field": field, "reason": str(m)} for m in messages)
    first = errors[0]
    return ApiError(422, f"{first['field']}: {first['reason']}", errors)


@router.post("", response={201: CustomerOut, **ERRORS}, operation_id="customer_create",
             summary="Add a customer (a sales rep's is their own)")
def customer_add(request: HttpRequest, body: CustomerIn) -> Status:
    if not customers_creatable_by(request.user):
        raise ApiError(403, "Your role does not add customers.")
    values = body.model_dump(exclude_unset=True)
    if values.get("customer_id") and Customer.objects.filter(
        external_id=values["customer_id"]
    ).exists():
        raise invalid("customer_id", "is taken by another customer", status=409)
    form = CustomerForm(_form_data(values, None), user=request.user)
    if not form.is_valid():
        raise _refused(form)
    customer = customer_create(user=request.user, values=form.values())
    return Status(201, rows([customer.pk])[0])


@router.patch("/{customer_id}", response={200: CustomerOut, **ERRORS},
              operation_id="customer_update", summary="Change a customer")
def customer_change(request: HttpRequest, customer_id: str, body: CustomerChange) -> dict:
    ident = clean_ident(customer_id)
    customer = next(iter(customers_editable_by(request.user).filter(external_id=ident)
                         .order_by()[:1]), None)
    if customer is None:
        visible(request, customer_id)  # a 404 for a customer out of sight
        raise ApiError(403, "Your role reads this customer; it does not change it.")
    values = body.model_dump(exclude_unset=True)
    values.pop("customer_id", None)
    form = CustomerForm(_form_data(values, customer), instance=customer, user=request.user)
    if not form.is_valid():
        raise _refused(form)
    try:
        customer_update(user=request.user, customer_id=customer.pk, values=form.values())
    except Customer.DoesNotExist:
        raise not_found("customer") from None
    return rows([customer.pk])[0]


@router.post("/{customer_id}/merge", response={200: MergeOut, **ERRORS},
             operation_id="customer_merge",
             summary="Merge duplicate customers into this one (admins and managers)")
def customer_merge_into(request: HttpRequest, customer_id: str, body: MergeIn) -> dict:
    if not request.user.sees_everything:
        raise not_found("customer")
    visible(request, customer_id)
    try:
        merges = customer_merge(
            keep_id=customer_id, duplicate_ids=body.duplicates, user=request.user
        )
    except MergeRefused as refusal:
        raise ApiError(422, str(refusal), [{"field": "duplicates", "reason": str(refusal)}]) \
            from None
    return {
        "customer_id": customer_id,
        "merged": [m.duplicate_external_id for m in merges],
        "moved_records": sum(m.moved_count for m in merges),
    }
