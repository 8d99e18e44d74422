"""API test fixtures: a user of each role with a token, and a client that sends it."""

from __future__ import annotations

import json

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from daur.accounts.tokens import token_create
from tests.web.factories import user_make


class ApiClient:
    """A test client speaking JSON with a bearer token."""

    def __init__(self, secret: str, user) -> None:  # noqa: ANN001
        self.client = Client()
        self.user = user
        self.secret = secret

    def _headers(self, headers: dict | None) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.secret}", **(headers or {})}

    def get(self, path: str, data: dict | None = None, **headers):  # noqa: ANN201
        return self.client.get("/api/v1" + path, data or {}, **self._headers(headers))

    def send(self, method: str, path: str, body=None, raw: bytes | None = None, **headers):  # noqa: ANN001, ANN201
        content = raw if raw is not None else json.dumps(body)
        call = getattr(self.client, method.lower())
        return call("/api/v1" + path, content, content_type="application/json",
                    **self._headers(headers))

    def post(self, path: str, body=None, **headers):  # noqa: ANN001, ANN201
        return self.send("POST", path, body, **headers)

    def patch(self, path: str, body=None, **headers):  # noqa: ANN001, ANN201
        return self.send("PATCH", path, body, **headers)


def api_client(username: str, role: str, **fields) -> ApiClient:
    user = user_make(username, role=role, **fields)
    return ApiClient(token_create(user=user, name="tests").secret, user)


@pytest.fixture
def manager_api(db) -> ApiClient:
    return api_client("boss", "manager", is_superuser=True)


@pytest.fixture
def rep_api(db) -> ApiClient:
    return api_client("rep1", "sales_rep")


@pytest.fixture
def other_rep_api(db) -> ApiClient:
    return api_client("rep2", "sales_rep")


@pytest.fixture
def support_api(db) -> ApiClient:
    return api_client("help", "support_agent")


@pytest.fixture
def marketer_api(db) -> ApiClient:
    return api_client("mark", "marketer")


@pytest.fixture
def keep_connection():
    """The application is called as a WSGI app, not through Django's test client: keep the
    test's database connection (and its transaction) open across requests, as that client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
