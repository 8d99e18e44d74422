"""The home page and the admin: login required, counts shown, hostile names escaped."""

from __future__ import annotations

import pytest

from daur.accounts.models import User
from daur.customers.models import Customer

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script>"


@pytest.fixture
def manager(client):
    user = User.objects.create_user(
        "boss", password="pw", role="manager", is_staff=True, is_superuser=True
    )
    client.force_login(user)
    return user


def test_the_home_page_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_home_page_counts_the_records(client, manager):
    Customer.objects.create(external_id="C1", name="Ani")
    response = client.get("/")
    assert response.status_code == 200
    assert b"Customers" in response.content


def test_a_hostile_name_is_escaped_in_the_admin(client, manager):
    customer = Customer.objects.create(external_id="C1", name=HOSTILE)
    for url in ("/admin/customers/customer/", f"/admin/customers/customer/{customer.pk}/change/"):
        body = client.get(url).content.decode()
        assert HOSTILE not in body
        assert "&lt;script&gt;" in body


def test_every_model_has_an_admin_page_with_search(client, manager):
    for path in (
        "customers/customer",
        "catalog/product",
        "sales/order",
        "engagement/interaction",
        "servicedesk/ticket",
        "surveys/surveyanswer",
        "campaigns/campaign",
        "leads/lead",
        "accounts/user",
    ):
        response = client.get(f"/admin/{path}/?q=x")
        assert response.status_code == 200, path
