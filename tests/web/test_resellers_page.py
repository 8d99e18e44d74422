"""The resellers page: the ranking rendered, current as orders arrive, by role, any query."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from daur.actions.sales import order_record
from daur.sales.models import Order
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db


def _resell(reseller, customer, amount: str, days_ago: int = 1) -> Order:
    return order_record(
        customer=customer, reseller=reseller, external_id=f"W-{Order.objects.count()}",
        ordered_at=timezone.now() - timedelta(days=days_ago), amount=Decimal(amount),
        currency="IDR",
    )


def test_the_page_ranks_the_resellers_and_links_their_360_page(client, manager):
    small = customer_make("Toko Kecil", relationship="intermediary")
    big = customer_make("Grosir Besar", relationship="intermediary")
    buyer = customer_make("Ani")
    _resell(small, buyer, "1000")
    _resell(big, buyer, "900000")
    _resell(big, buyer, "100000", days_ago=120)  # the previous 90 days
    response = client.get("/resellers/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Grosir Besar") < body.index("Toko Kecil")
    assert f'href="/customers/{big.pk}/"' in body
    assert "+800 %" in body  # 900,000 against 100,000
    assert ">new<" in body  # Toko Kecil sold nothing before
    assert "<polyline" in body and "style=" not in body.split("<main", 1)[1]
    assert 'href="/resellers/"' in body and "Resellers" in body  # the navigation link


def test_the_figures_change_as_soon_as_an_order_is_recorded(client, manager):
    reseller = customer_make("Mitra", relationship="intermediary")
    buyer = customer_make("Budi")
    before = client.get("/resellers/").context["ranking"].rows[0]
    assert before.revenue == 0 and before.customers == 0
    _resell(reseller, buyer, "250000", days_ago=0)
    after = client.get("/resellers/").context["ranking"].rows[0]
    assert after.revenue == pytest.approx(250000) and after.customers == 1


def test_the_empty_state(client, manager):
    body = client.get("/resellers/").content.decode()
    assert "No reseller yet." in body and "<table" not in body


def test_a_month_or_a_number_of_days_chooses_the_period(client, manager):
    today = timezone.localdate()
    body = client.get("/resellers/?days=abc").content.decode()
    assert '<option value="90" selected>' in body  # the period shown is the one used
    ranking = client.get("/resellers/?days=30").context["ranking"]
    assert ranking.period.days == 30 and ranking.period.date_to == today
    assert ranking.previous.days == 30
    month = today.replace(day=1) - timedelta(days=1)  # last month
    ranking = client.get(f"/resellers/?month={month:%Y-%m}").context["ranking"]
    assert ranking.period.date_from == month.replace(day=1) and ranking.period.date_to == month


@pytest.mark.parametrize("query", [
    "days=abc", "days=-5", "days=999999999999999999999", "month=2026-13", "month=x%00",
    "sort=../../etc", "sort=-revenue", "page=0", "page=99999", "page=abc", "days=30&days=90",
    "month=%27%3B--", "sort=%E2%80%AE",
])
def test_hostile_query_strings_show_a_page(client, manager, query):
    customer_make("Mitra", relationship="intermediary")
    response = client.get(f"/resellers/?{query}")
    assert response.status_code == 200
    assert response.context["ranking"].period.days in (30, 90)


def test_roles(client):
    rep = user_make("rep-mine")
    mine = customer_make("Punya Saya", relationship="intermediary", owner=rep)
    theirs = customer_make("Punya Orang", relationship="intermediary", owner=user_make("rep-x"))
    client.force_login(rep)
    body = client.get("/resellers/").content.decode()
    assert "Punya Saya" in body and "Punya Orang" not in body
    assert client.get(f"/customers/{mine.pk}/").status_code == 200
    assert client.get(f"/customers/{theirs.pk}/").status_code == 404
    for role in ("marketer", "support_agent", "manager", "admin"):
        client.force_login(user_make(f"u-{role}", role=role))
        body = client.get("/resellers/").content.decode()
        assert "Punya Saya" in body and "Punya Orang" in body
    client.logout()
    assert client.get("/resellers/").status_code == 302  # to the login page


def test_the_page_costs_the_same_queries_for_more_resellers(client, manager):
    buyer = customer_make("Buyer")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/resellers/").status_code == 200
        return len(ctx.captured_queries)

    _resell(customer_make("R0", relationship="intermediary"), buyer, "10")
    queries()  # warm the caches (navigation, session)
    before = queries()
    for i in range(1, 10):
        _resell(customer_make(f"R{i}", relationship="intermediary"), buyer, "10")
    assert queries() == before


def test_the_page_speaks_italian(client, manager):
    reseller = customer_make("Mitra", relationship="intermediary")
    _resell(reseller, customer_make("Budi"), "1000")
    client.cookies["django_language"] = "it"
    body = client.get("/resellers/").content.decode()
    for words in ("Rivenditori", "Ricavi", "Crescita", "Periodo precedente", "1 rivenditore",
                  "al netto dei rimborsi", "gli ultimi 90 giorni", "nuovo"):
        assert words in body


def test_the_demo_business_populates_the_page(client, manager):
    from daur.demo.load import demo_load

    demo_load(customers=400, seed=5)
    ranking = client.get("/resellers/").context["ranking"]
    assert ranking.rows and sum(row.revenue for row in ranking.rows) > 0
    assert any(row.customers > 0 for row in ranking.rows)
    assert any(row.previous > 0 for row in ranking.rows)
