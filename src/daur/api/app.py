"""The API object: its authentication, its error handlers and its routers (one module per
resource: adding one is a module and a line here)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from daur.api import (
    bulk,
    campaigns,
    consumers,
    customers,
    insights,
    leads,
    records,
    segments,
    tickets,
)
from daur.api.auth import AUTH
from daur.api.errors import ApiError, validation_errors


class StrictJson(Parser):
    """JSON as RFC 8259 has it: no NaN or Infinity."""

    def parse_body(self, request: HttpRequest) -> Any:
        def refuse(name: str) -> Any:
            raise ValueError(f"{name} is not JSON")

        return json.loads(request.body, parse_constant=refuse)


api = NinjaAPI(
    title="Daur API",
    version="1",
    description=(
        "Customers (with their consumers), their orders and what they do, tickets and their "
        "workflow, leads, segments, campaigns and scores. Authenticate "
        "with `Authorization: Bearer <token>` (make one on your profile page or with "
        "`daur token create`). Lists page by `cursor`; bulk endpoints take an "
        "`Idempotency-Key` header. Deleting is for what the domain lets go (a consumer, a "
        "segment no campaign uses, a draft campaign): `204`; a refusal is a `409`. Customers "
        "are merged, never deleted; orders, interactions and tickets are history and stay."
    ),
    auth=AUTH,
    parser=StrictJson(),
    urls_namespace="api",
    docs_url="/docs",
    # Swagger UI's files come from the package (INSTALLED_APPS "ninja"); no call to its validator.
    docs=Swagger(settings={"validatorUrl": None}),
    openapi_url="/openapi.json",
)


def _json(request: HttpRequest, status: int, detail: str, errors: list | None = None,
          headers: dict[str, str] | None = None) -> HttpResponse:
    response = api.create_response(
        request, {"detail": detail, "errors": errors or []}, status=status
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _json(request, exc.status, exc.detail, exc.errors, exc.headers)


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = validation_errors(exc.errors)
    first = errors[0] if errors else {"field": "-", "reason": "is not valid"}
    return _json(request, 422, f"{first['field']}: {first['reason']}", errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _json(
        request, 401, "Authentication needed: send `Authorization: Bearer <token>` with a valid, "
        "unrevoked token.", headers={"WWW-Authenticate": 'Bearer realm="daur"'}
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = str(exc)
    if exc.status_code == 400 and "parse" in detail.lower():
        detail = "The body is not valid JSON."
    return _json(request, exc.status_code, detail)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json(request, 404, "No such record.")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _json(request, 403, str(exc) or "Your role does not allow this.")


# Bulk first: "/orders/bulk" before "/orders/{key}".
api.add_router("/", bulk.router)
api.add_router("/customers", customers.router)
api.add_router("/customers", consumers.router)
api.add_router("/campaigns", campaigns.router)
api.add_router("/tickets", tickets.router)
api.add_router("/customers", tickets.customer_router)
api.add_router("/leads", leads.router)
api.add_router("/segments", segments.router)
api.add_router("/", insights.router)
for router in records.routers():
    api.add_router(router.prefix, router.router)
