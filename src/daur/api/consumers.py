"""A customer's consumers (who uses what it buys: a parent's children, an organisation's
people): listed with the customer, added, changed and removed by whoever may change the customer
(daur.actions.consumers). A sales rep's token reaches the rep's own customers only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import Path, Router, Status
from pydantic import Field

from daur.actions.consumers import (
    ConsumerRefused,
    consumer_add,
    consumer_delete,
    consumer_update,
)
from daur.api.customers import Consumer as ConsumerOut
from daur.api.customers import visible
from daur.api.errors import ERRORS, ApiError, not_found
from daur.api.kind_schemas import StrictIn
from daur.api.text import Text
from daur.customers.models import Consumer

router = Router(tags=["customers"])
CONSUMER_ID = Path(..., ge=1, le=2**63 - 1)


class ConsumerIn(StrictIn):
    name: Text(255) = Field(..., min_length=1)
    relation: Text(64) = Field("", description='How they relate to the customer: "child".')


class ConsumerChange(StrictIn):
    name: Text(255) | None = Field(None, min_length=1)
    relation: Text(64) | None = None


def _out(consumer: Consumer) -> dict:
    return {"id": consumer.pk, "name": consumer.name, "relation": consumer.relation}


def _refused(refusal: ConsumerRefused) -> ApiError:
    text = str(refusal)
    return ApiError(422, text, [{"field": text.split(":", 1)[0], "reason": text}])


def _forbidden() -> ApiError:
    return ApiError(403, "Your role reads this customer; it does not change it.")


def _consumer(customer_pk: int, consumer_id: int) -> Consumer:
    found = Consumer.objects.filter(pk=consumer_id, customer_id=customer_pk).first()
    if found is None:
        raise not_found("consumer")
    return found


@router.get(
    "/{customer_id}/consumers",
    response={200: list[ConsumerOut], **ERRORS},
    operation_id="customer_consumers",
    summary="A customer's consumers",
)
def consumers_listing(request: HttpRequest, customer_id: str) -> list[dict]:
    pk = visible(request, customer_id)
    return [_out(c) for c in Consumer.objects.filter(customer_id=pk).order_by("pk")[:1000]]


@router.post(
    "/{customer_id}/consumers",
    response={201: ConsumerOut, **ERRORS},
    operation_id="consumer_create",
    summary="Add a consumer to a customer",
)
def consumer_new(request: HttpRequest, customer_id: str, body: ConsumerIn) -> Status:
    pk = visible(request, customer_id)
    try:
        consumer = consumer_add(
            user=request.user, customer_id=pk, name=body.name, relation=body.relation
        )
    except ConsumerRefused as refusal:
        raise _refused(refusal) from None
    except PermissionDenied:
        raise _forbidden() from None
    return Status(201, _out(consumer))


@router.patch(
    "/{customer_id}/consumers/{consumer_id}",
    response={200: ConsumerOut, **ERRORS},
    operation_id="consumer_update",
    summary="Change a consumer's name or relation",
)
def consumer_change(
    request: HttpRequest, customer_id: str, body: ConsumerChange, consumer_id: int = CONSUMER_ID
) -> dict:
    consumer = _consumer(visible(request, customer_id), consumer_id)
    try:
        consumer = consumer_update(
            user=request.user, consumer_id=consumer.pk, name=body.name, relation=body.relation
        )
    except ConsumerRefused as refusal:
        raise _refused(refusal) from None
    except PermissionDenied:
        raise _forbidden() from None
    return _out(consumer)


@router.delete(
    "/{customer_id}/consumers/{consumer_id}",
    response={204: None, **ERRORS},
    operation_id="consumer_delete",
    summary="Remove a consumer from a customer",
)
def consumer_remove(
    request: HttpRequest, customer_id: str, consumer_id: int = CONSUMER_ID
) -> HttpResponse:
    consumer = _consumer(visible(request, customer_id), consumer_id)
    try:
        consumer_delete(user=request.user, consumer_id=consumer.pk)
    except PermissionDenied:
        raise _forbidden() from None
    return HttpResponse(status=204)
