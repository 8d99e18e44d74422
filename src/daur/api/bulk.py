"""Bulk ingestion: `POST /orders/bulk`, `/customers/bulk`, `/interactions/bulk` with
{"records": [...]} keyed by the CSV columns (SPEC §3, §7): up to 10,000 records, validated and
written as an import (all or nothing), counted by records against the rate limit, and made
safe to retry with an `Idempotency-Key`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from daur.api.access import require_importing
from daur.api.errors import ERRORS
from daur.api.idempotency import idempotent
from daur.api.ingest import LINES, MAX_RECORDS, ingest
from daur.api.kind_schemas import StrictIn, record_in
from daur.api.limits import charge

router = Router(tags=["bulk"])
KEY_HEADER = {
    "parameters": [{
        "in": "header", "name": "Idempotency-Key", "required": False,
        "description": "A key of your choice (a UUID) that makes a retry safe.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    }]
}

IDEMPOTENCY_DOC = (
    "Send an `Idempotency-Key` header (a UUID) to make a retry safe: the first answer is kept "
    "for 24 hours (DAUR_API_IDEMPOTENCY_HOURS) and returned to a retry with the same body "
    "(header `Idempotent-Replayed: true`), writing nothing; the key with another body is a "
    "422, and while the first request runs a 409. Records count against the records rate limit."
)


class LineCounts(Schema):
    created: int
    updated: int
    unchanged: int


class BulkOut(Schema):
    records: int
    created: int
    updated: int
    unchanged: int
    lines: LineCounts | None = None
    rescore: str = Field("", description="Whether the touched customers were re-scored.")


def _body(kind: str, **extra) -> type[Schema]:  # noqa: ANN003
    from pydantic import create_model

    record = record_in(kind, extra=tuple(extra.items()))
    return create_model(
        f"{record.__name__.removesuffix('In')}Bulk",
        __base__=StrictIn,
        records=(list[record], Field(..., min_length=1, max_length=MAX_RECORDS)),
    )


_line = record_in("order_lines", skip=("order_id",))
OrdersBulk = _body("orders", **{LINES: (list[_line] | None, Field(None, max_length=1000))})
CustomersBulk = _body("customers")
InteractionsBulk = _body("interactions")


def _ingested(request: HttpRequest, response: HttpResponse, kind: str, body: Schema) -> Status:
    require_importing(request.user)
    records = [record.model_dump() for record in body.records]

    def run() -> Status:
        charge(request, units=len(records), budget="records")
        done = ingest(kind, records)
        out = {"records": done.records, "created": done.created, "updated": done.updated,
               "unchanged": done.unchanged, "lines": done.lines or None, "rescore": done.rescore}
        return 200, out

    status, out, headers = idempotent(request, run)
    for name, value in headers.items():
        response[name] = value
    return Status(status, out)


@router.post("/orders/bulk", response={200: BulkOut, **ERRORS}, operation_id="orders_bulk",
             summary="Import up to 10,000 orders (with their lines)", description=IDEMPOTENCY_DOC,
             openapi_extra=KEY_HEADER)
def orders_bulk(request: HttpRequest, response: HttpResponse, body: OrdersBulk) -> Status:
    return _ingested(request, response, "orders", body)


@router.post("/customers/bulk", response={200: BulkOut, **ERRORS},
             operation_id="customers_bulk", summary="Import up to 10,000 customers",
             description=IDEMPOTENCY_DOC, openapi_extra=KEY_HEADER)
def customers_bulk(request: HttpRequest, response: HttpResponse, body: CustomersBulk) -> Status:
    return _ingested(request, response, "customers", body)


@router.post("/interactions/bulk", response={200: BulkOut, **ERRORS},
             operation_id="interactions_bulk", summary="Import up to 10,000 interactions",
             description=IDEMPOTENCY_DOC, openapi_extra=KEY_HEADER)
def interactions_bulk(
    request: HttpRequest, response: HttpResponse, body: InteractionsBulk
) -> Status:
    return _ingested(request, response, "interactions", body)
