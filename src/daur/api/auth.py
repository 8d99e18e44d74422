"""Who calls: a bearer token (daur.accounts.tokens), or the web app's own session with its CSRF
token. Each authenticated call is counted against the caller's rate limit."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from daur.accounts.tokens import token_user
from daur.api.errors import ApiError
from daur.api.limits import charge


class BearerToken(HttpBearer):
    """`Authorization: Bearer daur_...`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if user is None:
            return None
        request.user = user
        charge(request, units=1)
        return user


class WebSession(APIKeyCookie):
    """The signed-in user of the pages; a write needs the CSRF token, as a form would."""

    param_name = "sessionid"
    openapi_description = "The web application's session (writes need the X-CSRFToken header)."

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise ApiError(403, "CSRF check failed: send the X-CSRFToken header.")
        return "session"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key or not request.user.is_authenticated or not request.user.is_active:
            return None
        charge(request, units=1)
        return request.user


AUTH = [BearerToken(), WebSession()]
