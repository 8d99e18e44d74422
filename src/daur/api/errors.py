"""The API's errors: every refusal a JSON body {"detail": "...", "errors": [...]} with a 4xx
status, each error naming its field (and, in a bulk request, its 1-based record)."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class FieldError(Schema):
    record: int | None = None  # only in a bulk request: the record's 1-based position
    field: str
    reason: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


class ApiError(Exception):
    """A refusal with its status, message and field errors."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def not_found(what: str = "record") -> ApiError:
    return ApiError(404, f"No such {what}.")


def invalid(field: str, reason: str, status: int = 422) -> ApiError:
    return ApiError(status, f"{field}: {reason}", [{"field": field, "reason": reason}])


# Where a pydantic error's location starts with these, they say where, not which field.
_LOCATION_HEADS = ("body", "query", "path", "header", "cookie", "payload", "filters", "data")


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """django-ninja's (pydantic's) errors as {field, reason}; in a list of records the field
    names the record's position ("records.3.amount" is record 4's amount)."""
    found = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        while len(loc) > 1 and loc[0] in _LOCATION_HEADS:  # a field may be named "body"
            loc.pop(0)
        reason = str(error.get("msg", "is not valid"))
        if error.get("type") == "extra_forbidden":
            reason = "is not a known field"
        item: dict[str, Any] = {"field": ".".join(loc) or "-", "reason": reason}
        if len(loc) >= 2 and loc[0] == "records" and loc[1].isdigit():
            item = {"record": int(loc[1]) + 1, "field": ".".join(loc[2:]) or "-", "reason": reason}
        found.append(item)
    return found


ERRORS = dict.fromkeys((400, 401, 403, 404, 409, 413, 422, 429), ErrorOut)
