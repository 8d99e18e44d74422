"""A reseller's 360 page lists the orders it resold and the customers it served, paged."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from daur.sales.models import Order
from daur.sales.selectors import RESOLD_PAGE_SIZE
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db
START = timezone.make_aware(datetime(2026, 1, 5, 9, 0))


def _resell(reseller, customer, n: int, first: int = 0) -> None:
    for i in range(first, first + n):
        Order.objects.create(
            customer=customer, reseller=reseller, external_id=f"R-{customer.pk}-{i}",
            ordered_at=START + timedelta(days=i), amount=1000 + i, currency="IDR",
            channel="sales_rep",
        )


def test_the_reseller_page_lists_its_resold_orders_and_served_customers(client, manager):
    reseller = customer_make("Toko Maju", relationship="intermediary", kind="organization")
    ani, budi = customer_make("Ani"), customer_make("Budi")
    _resell(reseller, ani, 2)
    _resell(reseller, budi, 1, first=10)
    Order.objects.create(customer=ani, external_id="DIRECT", ordered_at=START, amount=5,
                         currency="IDR")
    response = client.get(f"/customers/{reseller.pk}/")
    body = response.content.decode()
    assert "Orders resold" in body and "Customers served" in body
    orders = response.context["resold"]["orders"]
    assert [o.external_id for o in orders] == [f"R-{budi.pk}-10", f"R-{ani.pk}-1", f"R-{ani.pk}-0"]
    assert "DIRECT" not in body
    assert f'<a href="/customers/{ani.pk}/">Ani</a>' in body
    served = response.context["resold"]["customers"]
    assert [(c.name, c.orders) for c in served] == [("Budi", 1), ("Ani", 2)]
    assert "Sales rep" in body  # the channel by name


def test_the_resold_orders_are_paged(client, manager):
    reseller = customer_make("Grosir", relationship="intermediary")
    buyer = customer_make("Buyer")
    _resell(reseller, buyer, RESOLD_PAGE_SIZE + 3)
    first = client.get(f"/customers/{reseller.pk}/")
    assert len(first.context["resold"]["orders"].object_list) == RESOLD_PAGE_SIZE
    assert "?orders_page=2" in first.content.decode()
    second = client.get(f"/customers/{reseller.pk}/?orders_page=2")
    assert [o.external_id for o in second.context["resold"]["orders"]] == [
        f"R-{buyer.pk}-2", f"R-{buyer.pk}-1", f"R-{buyer.pk}-0"]
    # A page number out of range or not a number shows a page, never an error.
    assert client.get(f"/customers/{reseller.pk}/?orders_page=999").status_code == 200
    assert client.get(f"/customers/{reseller.pk}/?served_page=x").status_code == 200


def test_a_rep_sees_the_names_of_their_own_end_customers_only(client):
    rep = user_make("rep-r")
    reseller = customer_make("Mitra", relationship="intermediary", owner=rep)
    mine = customer_make("Mine", owner=rep)
    theirs = customer_make("Secret", owner=user_make("rep-o"))
    _resell(reseller, mine, 1)
    _resell(reseller, theirs, 1, first=5)
    client.force_login(rep)
    body = client.get(f"/customers/{reseller.pk}/").content.decode()
    assert "Mine" in body
    assert "Secret" not in body
    assert "another customer" in body


def test_a_customer_that_is_no_reseller_has_no_such_section(client, manager):
    customer = customer_make("Plain")
    response = client.get(f"/customers/{customer.pk}/")
    assert response.context["resold"] is None
    assert "Orders resold" not in response.content.decode()
