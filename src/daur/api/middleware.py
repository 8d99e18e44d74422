"""The API's request guard: a body past DAUR_API_MAX_BODY_BYTES is a 413 in JSON before anything
reads it, each response carries the caller's RateLimit headers, and the answers Django makes
itself (no such path, a method the path does not take) are JSON too."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

PREFIX = "/api/"


def too_large(limit: int) -> JsonResponse:
    return JsonResponse(
        {"detail": f"The request body is larger than {limit:,} bytes; send fewer records."},
        status=413,
    )


class ApiBodyLimit:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        limit = int(settings.DAUR_API_MAX_BODY_BYTES)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            detail = "The Content-Length header is not a number."
            return JsonResponse({"detail": detail}, status=400)
        if length > limit:
            return too_large(limit)
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            # Read here, with this limit (Django's DATA_UPLOAD_MAX_MEMORY_SIZE is the pages').
            body = request.read(limit + 1)
            if len(body) > limit:
                return too_large(limit)
            request._body = body
        response = self.get_response(request)
        if response.status_code in (404, 405) and not _is_json(response):
            response = _as_json(response)
        budget = getattr(request, "rate_budget", None)
        if budget is not None:
            for name, value in budget.headers().items():
                response.headers.setdefault(name, value)
        return response


def _is_json(response: HttpResponse) -> bool:
    return response.headers.get("Content-Type", "").startswith("application/json")


def _as_json(response: HttpResponse) -> JsonResponse:
    """Django's own 404 (a path the API does not have) or 405 (a method the path does not
    take: a DELETE where the domain deletes nothing) in the API's error form."""
    allowed = response.headers.get("Allow", "")
    if response.status_code == 405:
        detail = f"This path does not take that method; it takes {allowed or 'none'}."
    else:
        detail = "No such path in the API: see /api/v1/docs."
    answer = JsonResponse({"detail": detail, "errors": []}, status=response.status_code)
    if allowed:
        answer["Allow"] = allowed
    return answer
