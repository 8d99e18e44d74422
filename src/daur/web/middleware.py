"""Middleware of the whole site (pages and admin): every response carries the
Content-Security-Policy, and hand-made integers past the database's range are a 404."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse

# PostgreSQL's SQLSTATE for a number out of its column type's range (a bigint past 2**63).
NUMERIC_VALUE_OUT_OF_RANGE = "22003"


def integer_out_of_range(error: BaseException) -> bool:
    """Whether `error` is the database refusing an integer beyond its range: SQLite's driver
    cannot bind it, PostgreSQL cannot cast it. Django keeps most lookups in range itself, but not
    all (`__in`, a primary key that is also a foreign key), in the admin's URLs and list filters."""
    if isinstance(error, OverflowError):
        return "SQLite INTEGER" in str(error)
    if isinstance(error, DataError):
        return getattr(error.__cause__, "sqlstate", None) == NUMERIC_VALUE_OUT_OF_RANGE
    return False


class OutOfRangeIsNotFound:
    """A URL or filter naming an id no row can have finds nothing: a 404, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if integer_out_of_range(exception):
            raise Http404("No such record.") from exception


class ContentSecurityPolicy:
    """Adds DAUR_CONTENT_SECURITY_POLICY to every response (Django 5.2 has no CSP of its own).
    Django's debugging pages (DEBUG, an error status) carry inline styles and scripts: left
    without it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.DAUR_CONTENT_SECURITY_POLICY
        if policy and not (settings.DEBUG and response.status_code >= 400):
            response.headers.setdefault("Content-Security-Policy", policy)
        return response
