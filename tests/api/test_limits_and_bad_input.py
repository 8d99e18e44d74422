"""Limits and bad input: rate limits per token with their headers, the body size limit, and a
clear JSON 4xx for every kind of bad request, with nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from daur.accounts.models import ApiToken
from daur.accounts.tokens import token_revoke
from daur.customers.models import Customer
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counts():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_requests_past_the_limit_are_429_with_retry_after(manager_api, settings):
    settings.DAUR_API_RATE_REQUESTS = 3
    answers = [manager_api.get("/customers") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0]["RateLimit-Limit"] == "3" and answers[0]["RateLimit-Remaining"] == "2"
    assert int(answers[0]["RateLimit-Reset"]) > 0
    assert int(answers[3]["Retry-After"]) > 0 and answers[3].json()["detail"]


def test_bulk_requests_are_counted_by_records(manager_api, settings):
    settings.DAUR_API_RATE_RECORDS = 5
    records = [{"customer_id": f"C{i}", "name": f"N{i}"} for i in range(4)]
    assert manager_api.post("/customers/bulk", {"records": records}).status_code == 200
    more = [{"customer_id": f"D{i}", "name": f"N{i}"} for i in range(2)]
    refused = manager_api.post("/customers/bulk", {"records": more})
    assert refused.status_code == 429 and refused["Retry-After"]
    assert not Customer.objects.filter(external_id__startswith="D").exists()


def test_each_token_has_its_own_count(manager_api, settings):
    from tests.api.conftest import api_client

    settings.DAUR_API_RATE_REQUESTS = 1
    other = api_client("root", "admin", is_superuser=True)
    assert manager_api.get("/customers").status_code == 200
    assert manager_api.get("/customers").status_code == 429
    assert other.get("/customers").status_code == 200


def test_a_body_past_the_limit_is_a_413_in_json(manager_api, settings):
    settings.DAUR_API_MAX_BODY_BYTES = 1000
    big = {"records": [{"customer_id": f"C{i}", "name": "x" * 50} for i in range(50)]}
    response = manager_api.post("/customers/bulk", big)
    assert response.status_code == 413 and "bytes" in response.json()["detail"]
    claimed = manager_api.client.post(
        "/api/v1/customers/bulk", b"{}", content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {manager_api.secret}", CONTENT_LENGTH=str(50 * 2**20),
    )
    assert claimed.status_code == 413
    assert not Customer.objects.exists()


@pytest.mark.parametrize("raw", [b"{", b"not json", b'{"records": [NaN]}', b"\xff\xfe",
                                 b'{"name": "a"' + b"]" * 3, b"[" * 100_000])
def test_malformed_json_is_a_400(manager_api, raw):
    response = manager_api.send("POST", "/customers", raw=raw)
    assert response.status_code == 400 and response.json()["detail"]
    assert not Customer.objects.exists()


@pytest.mark.parametrize("body", [
    {"name": 5}, {"name": None}, {"name": ["a"]}, {}, [], "text", 7,
    {"name": "A", "unknown": 1}, {"name": "a\x00b"}, {"name": "\ud800"},
    {"name": "x" * 300}, {"name": "A", "owner": "\u202e" * 200},
    {"name": "A", "email_consent": "maybe"},
])
def test_wrong_types_unknown_fields_and_hostile_strings_are_422(manager_api, body):
    response = manager_api.post("/customers", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"]
    assert not Customer.objects.exists()


@pytest.mark.parametrize(("value", "kept"), [
    ("a\x00b", False), ("\ud800", False), ("x" * 20_000, False), ("🙂" * 10, True),
    ("'; DROP TABLE x", True), ("\u202egnp.exe", True),
])
def test_hostile_strings_in_bulk_and_queries_are_refused_or_kept_as_text(manager_api, value, kept):
    customer_make("Ana")
    bulk = manager_api.post("/customers/bulk", {"records": [{"customer_id": value, "name": "A"}]})
    assert bulk.status_code == (200 if kept else 422), bulk.content[:200]
    assert Customer.objects.count() == 1 + kept
    Customer.objects.exclude(name="Ana").delete()
    queries = (("/customers", {"q": value}), ("/orders", {"customer_id": value}),
               ("/leads", {"q": value}))
    if value == "\ud800":  # no client can put it in a URL
        queries = ()
    for path, params in queries:
        assert manager_api.get(path, params).status_code in (200, 422), (path, value[:20])
    assert Customer.objects.count() == 1


def test_revoked_expired_and_missing_tokens_are_401(manager_api):
    assert manager_api.get("/customers").status_code == 200
    token = ApiToken.objects.get(user=manager_api.user)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(1))
    expired = manager_api.get("/customers")
    assert expired.status_code == 401 and expired["WWW-Authenticate"].startswith("Bearer")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    token_revoke(token_id=token.pk)
    assert manager_api.get("/customers").status_code == 401
    assert Client().get("/api/v1/customers").status_code == 401
    assert Client().get("/api/v1/customers", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_the_web_session_works_and_its_writes_need_the_csrf_token(db):
    user = user_make("ana", role="sales_rep")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/customers").status_code == 200
    refused = client.post("/api/v1/customers", {"name": "A"}, content_type="application/json")
    assert refused.status_code == 403 and not Customer.objects.exists()
    client.get("/profile/")  # sets the CSRF cookie, as a page would
    token = client.cookies["csrftoken"].value
    done = client.post("/api/v1/customers", {"name": "A"}, content_type="application/json",
                       HTTP_X_CSRFTOKEN=token)
    assert done.status_code == 201 and Customer.objects.get().owner == user


def test_a_method_or_path_the_api_does_not_have_is_answered_in_json(manager_api):
    refused = manager_api.send("DELETE", "/customers/ANY")  # customers are merged, not deleted
    assert refused.status_code == 405 and refused["Content-Type"] == "application/json"
    assert "GET" in refused.json()["detail"] and "PATCH" in refused["Allow"]
    missing = manager_api.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["detail"].startswith("No such path")
