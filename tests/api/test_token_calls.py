"""Token calls' shorter way (daur.api.middleware.TokenCalls): a call with a bearer token and no
session cookie skips the browser's middleware and answers as the whole list would; a call with
the session cookie takes the whole list (its writes need the CSRF token)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory

from daur.accounts.tokens import token_create, token_revoke
from daur.api.middleware import TokenCalls, is_token_call
from daur.customers.models import Customer
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db
# The headers the session's middleware adds to a call that brings a session cookie.
SESSION_ONLY = {"Set-Cookie", "Vary", "X-Request-ID", "RateLimit-Remaining", "RateLimit-Reset"}


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


def _call(client: Client, method: str, path: str, secret: str, body=None, cookie: bool = False):  # noqa: ANN001, ANN202
    if cookie:  # a session cookie that names no session: the whole middleware list, anonymous
        client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    extra = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    if body is None:
        return getattr(client, method)(path, **extra)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json",
                                   **extra)


def _answer(response: HttpResponse) -> tuple:
    headers = {k: v for k, v in response.headers.items() if k not in SESSION_ONLY}
    return response.status_code, response.content, headers


def test_token_calls_answer_as_the_whole_middleware_list_does(settings):
    settings.DAUR_API_MAX_BODY_BYTES = 4000
    rep = user_make("rep1", role="sales_rep")
    own = customer_make("Own", owner=rep)
    other = customer_make("Other", owner=user_make("rep2", role="sales_rep"))
    secret = token_create(user=rep).secret
    revoked = token_create(user=rep)
    token_revoke(token_id=revoked.token.pk)
    calls = [
        ("get", f"/api/v1/customers/{own.external_id}", secret, None),
        ("get", f"/api/v1/customers/{other.external_id}", secret, None),  # not the rep's: 404
        ("get", "/api/v1/customers", secret, None),
        ("get", f"/api/v1/customers/{own.external_id}", revoked.secret, None),  # 401
        ("get", "/api/v1/nowhere", secret, None),  # 404 in JSON
        ("delete", f"/api/v1/customers/{own.external_id}", secret, None),  # 405 in JSON
        ("post", "/api/v1/customers", secret, {"name": "A", "nope": 1}),  # 422
        ("post", "/api/v1/customers", secret, {"name": "x" * 5000}),  # 413
    ]
    for method, path, key, body in calls:
        lean = _call(Client(), method, path, key, body)
        whole = _call(Client(), method, path, key, body, cookie=True)
        assert _answer(lean) == _answer(whole), (method, path)
        assert lean.has_header("X-Request-ID") and not lean.has_header("Set-Cookie")
    statuses = [_call(Client(), m, p, k, b).status_code for m, p, k, b in calls]
    assert statuses == [200, 404, 200, 401, 404, 405, 422, 413]
    assert not Customer.objects.filter(name="A").exists()


def test_token_calls_keep_the_rate_limit_and_its_headers(settings):
    settings.DAUR_API_RATE_REQUESTS = 2
    secret = token_create(user=user_make("boss", role="manager")).secret
    answers = [_call(Client(), "get", "/api/v1/customers", secret) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[1]["RateLimit-Remaining"] == "0" and answers[2]["Retry-After"]


def test_a_token_write_is_in_the_history_as_its_user():
    rep = user_make("rep1", role="sales_rep")
    made = _call(Client(), "post", "/api/v1/customers", token_create(user=rep).secret,
                 {"name": "Ana"})
    assert made.status_code == 201
    assert Customer.objects.get(name="Ana").history.get().history_user == rep


def test_a_bad_token_with_a_signed_in_session_is_the_session_call_it_was():
    user = user_make("ana", role="sales_rep")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert _call(client, "get", "/api/v1/customers", "daur_wrong").status_code == 200
    refused = _call(client, "post", "/api/v1/customers", "daur_wrong", {"name": "A"})
    assert refused.status_code == 403 and not Customer.objects.exists()  # CSRF still checked
    assert _call(Client(), "get", "/api/v1/customers", "daur_wrong").status_code == 401


def test_which_calls_take_the_shorter_way():
    factory = RequestFactory()
    bearer = {"HTTP_AUTHORIZATION": "Bearer daur_x"}
    assert is_token_call(factory.get("/api/v1/customers", **bearer))
    assert is_token_call(factory.get("/api/v1/customers", HTTP_AUTHORIZATION="bearer daur_x"))
    assert not is_token_call(factory.get("/api/v1/customers"))
    assert not is_token_call(factory.get("/customers/", **bearer))
    assert not is_token_call(factory.get("/api/v1/docs", **bearer))
    with_session = factory.get("/api/v1/customers", **bearer)
    with_session.COOKIES[settings.SESSION_COOKIE_NAME] = "s"
    assert not is_token_call(with_session)


def test_the_shorter_way_skips_exactly_the_browsers_middleware():
    reached = []
    middleware = TokenCalls(lambda request: reached.append(request) or HttpResponse())
    after = settings.MIDDLEWARE[settings.MIDDLEWARE.index("daur.api.middleware.TokenCalls") + 1:]
    kept = [m for m in after if m not in settings.DAUR_API_TOKEN_SKIPS_MIDDLEWARE]
    assert "django.contrib.sessions.middleware.SessionMiddleware" not in kept
    assert "simple_history.middleware.HistoryRequestMiddleware" in kept
    assert len(middleware.lean._exception_middleware) == 1  # OutOfRangeIsNotFound's
    page = RequestFactory().get("/customers/")
    middleware(page)
    assert reached == [page]
