"""The 403, 404 and 500 pages: styled like the rest, with the navigation and ways back."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.views.defaults import server_error

from tests.web.factories import customer_make, user_make

ROLES = ("admin", "manager", "sales_rep", "marketer", "support_agent")


def _is_styled_page(body: str) -> bool:
    return "daur.css" in body and 'href="/"' in body and 'href="/customers/"' in body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_missing_page_is_styled_with_the_navigation_and_a_way_back(client, role):
    client.force_login(user_make(f"u-{role}", role=role))
    response = client.get("/no/such/page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert _is_styled_page(body)
    assert "Page not found" in body
    assert 'aria-label="Main"' in body and "Log out" in body  # the signed-in navigation


@pytest.mark.django_db
def test_another_reps_customer_is_the_styled_404(client):
    other = user_make("other-rep")
    customer = customer_make("Not yours", owner=other)
    client.force_login(user_make("rep-x"))
    response = client.get(f"/customers/{customer.pk}/")
    assert response.status_code == 404
    assert _is_styled_page(response.content.decode())
    assert "Not yours" not in response.content.decode()


@pytest.mark.django_db
def test_a_forbidden_export_is_the_styled_403(client):
    client.force_login(user_make("agent", role="support_agent"))
    response = client.get("/customers/export.csv")
    body = response.content.decode()
    assert response.status_code == 403
    assert _is_styled_page(body)
    assert "Not allowed" in body


@pytest.mark.django_db
def test_the_500_page_renders_without_a_request_context_or_the_database(rf):
    with CaptureQueriesContext(connection) as queries:
        response = server_error(rf.get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert _is_styled_page(body)
    assert "Something went wrong" in body
    assert len(queries) == 0


@pytest.mark.django_db
def test_the_error_pages_speak_the_users_language(client):
    client.force_login(user_make("rep-it"))
    client.cookies["django_language"] = "it"
    body = client.get("/no/such/page/").content.decode()
    assert '<html lang="it">' in body


@pytest.mark.django_db
def test_every_page_links_the_favicon_and_it_is_served(client):
    from django.contrib.staticfiles import finders

    body = client.get("/login/").content.decode()
    assert '<link rel="icon" href="/static/web/favicon.svg" type="image/svg+xml">' in body
    path = finders.find("web/favicon.svg")
    assert path
    assert Path(path).read_text().startswith("<svg")
