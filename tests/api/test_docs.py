"""The OpenAPI schema and the interactive docs: served here, without any CDN."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_schema_lists_every_resource_and_the_bearer_auth():
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/customers", "/api/v1/customers/{customer_id}/score",
                 "/api/v1/orders/bulk", "/api/v1/customers/bulk", "/api/v1/interactions/bulk",
                 "/api/v1/leads/{lead_id}/stage", "/api/v1/leads/{lead_id}/convert",
                 "/api/v1/customers/{customer_id}/merge", "/api/v1/products/{key}",
                 "/api/v1/tickets", "/api/v1/surveys", "/api/v1/segments", "/api/v1/kpis",
                 "/api/v1/lead-scores", "/api/v1/alerts"):
        assert path in paths, path
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert "Idempotency-Key" in paths["/api/v1/orders/bulk"]["post"]["description"]


def test_the_docs_page_loads_nothing_from_elsewhere():
    page = Client().get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert "http://" not in html and "https://" not in html
    assert '"validatorUrl": null' in html  # Swagger UI would otherwise call its validator
    for url in urls:
        assert finders.find(url.removeprefix("/static/")), url
    init = finders.find("ninja/swagger-ui-init.js")
    with open(init, encoding="utf-8") as handle:
        assert "https://" not in handle.read()
