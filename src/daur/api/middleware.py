"""The API's request guard: a body past DAUR_API_MAX_BODY_BYTES is a 413 in JSON before anything
reads it, each response carries the caller's RateLimit headers, and the answers Django makes
itself (no such path, a method the path does not take) are JSON too.

And the token calls' shorter way (TokenCalls): a call with `Authorization: Bearer` and no session
cookie needs none of what the pages' middleware does for a browser (the session, the signed-in
user, CSRF, messages, htmx, django-axes, static files), so it goes through the rest of the site's
middleware list less those (DAUR_API_TOKEN_SKIPS_MIDDLEWARE); a call with the session cookie
(the pages' own JavaScript, CSRF checked) takes the whole list as before."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string

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


def is_token_call(request: HttpRequest) -> bool:
    """An API call with a bearer token and no session cookie (the docs page, which a browser
    shows with its session, excepted)."""
    return (
        request.path.startswith(PREFIX)
        and request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(DOCS)
    )


DOCS = PREFIX + "v1/docs"


class TokenCalls:
    """Token calls go on through the middleware after this one in settings.MIDDLEWARE less
    DAUR_API_TOKEN_SKIPS_MIDDLEWARE, built once as Django builds its own chain; every other
    request through the whole rest of the list. A token call's `request.user` is anonymous until
    its token authenticates it (as the skipped AuthenticationMiddleware would have it without a
    session)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        names = list(settings.MIDDLEWARE)
        after = names[names.index(f"{__name__}.{type(self).__name__}") + 1:]
        skipped = set(settings.DAUR_API_TOKEN_SKIPS_MIDDLEWARE)
        self.lean = _Chain([name for name in after if name not in skipped])

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_token_call(request):
            return self.get_response(request)
        request.user = AnonymousUser()
        return self.lean.chain(request)


class _Chain(BaseHandler):
    """Django's request handling (BaseHandler: the URL, the view and its middleware hooks) with
    its own middleware list, made as `BaseHandler.load_middleware` makes the site's (sync)."""

    def __init__(self, middleware: list[str]) -> None:
        super().__init__()
        self._view_middleware: list = []
        self._template_response_middleware: list = []
        self._exception_middleware: list = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(middleware):
            try:
                instance = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self.chain = handler
