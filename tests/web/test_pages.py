"""The dashboard, the customer list and the 360 page render for a manager, scored or not."""

from __future__ import annotations

import pytest

from daur.customers.models import Consumer
from tests.web.factories import (
    customer_make,
    order_make,
    run_make,
    score_make,
    stage_change_make,
    user_make,
)

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script>"


def test_every_page_needs_a_login(client):
    for url in ("/", "/customers/", "/customers/1/", "/customers/export.csv"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_an_unscored_base_shows_the_counts_and_the_hint(client, manager):
    customer_make("Ani")
    body = client.get("/").content.decode()
    assert "daur score" in body
    assert "Records" in body


def test_the_dashboard_shows_funnel_rfm_clv_and_strategies(client, manager):
    run = run_make()
    for i, stage in enumerate(("conversion", "retention", "retention", "lapsed")):
        c = customer_make(f"C{i}", acquired_via="website")
        score_make(c, stage=stage, r=5, f=4, clv=10_000.0 * (i + 1), run=run)
        order_make(c, amount="100000")
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "daur score" not in body
    assert "Life-cycle funnel" in body and "Retention" in body
    assert "/customers/?rfm_r=5&amp;rfm_f=4" in body
    assert "Champions" in body
    assert "IDR 400,000" in body  # revenue of the four orders
    assert "IDR 100,000" in body  # predicted CLV of the base
    assert "<rect" in body


def test_a_hostile_name_is_escaped_on_the_list_and_the_360(client, manager):
    customer = customer_make(HOSTILE)
    score_make(customer)
    for url in ("/customers/", f"/customers/{customer.pk}/"):
        body = client.get(url).content.decode()
        assert HOSTILE not in body, url
        assert "&lt;script&gt;" in body, url


def test_the_360_page_shows_scores_history_timeline_consumers_and_referrals(
    client, manager, django_assert_max_num_queries
):
    from datetime import date

    run_make()
    customer = customer_make("Budi", email="budi@example.com")
    score_make(customer, stage="retention", types=("loyal", "discount"), strategy="enhance")
    stage_change_make(customer, on=date(2025, 1, 5), to="conversion", frm="acquisition")
    for _ in range(3):
        order_make(customer, lines=2)
    Consumer.objects.create(customer=customer, name="Sari", relation="daughter")
    friend = customer_make("Friend", referred_by=customer)
    score_make(friend)
    # The evidence is recomputed from the customer's own records: a fixed number of queries.
    with django_assert_max_num_queries(30):
        response = client.get(f"/customers/{customer.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("Budi", "Retention", "Loyal", "Discount-driven", "Enhance", "cross-sell",
                 "Sari", "Friend", "Order", "Stage change", "IDR 1,000,000"):
        assert text in body, text


def test_the_timeline_is_capped_with_a_show_more_link(client, manager):
    customer = customer_make("Many orders")
    for _ in range(35):
        order_make(customer, lines=0)
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Show more" in body
    more = body.split('hx-get="')[-1].split('"')[0].replace("&amp;", "&")
    rest = client.get(more).content.decode()
    assert rest.count("<tr") == 5


def test_the_admin_still_escapes_and_searches(client, manager):
    customer_make(HOSTILE)
    body = client.get("/admin/customers/customer/?q=x").content.decode()
    assert HOSTILE not in body


def test_unknown_customer_is_404(client, manager):
    assert client.get("/customers/999999/").status_code == 404


def test_support_agent_sees_every_customer_but_cannot_export(client):
    agent = user_make("agent", role="support_agent")
    other = user_make("rep9")
    customer = customer_make("Someone", owner=other)
    client.force_login(agent)
    assert client.get(f"/customers/{customer.pk}/").status_code == 200
    assert client.get("/customers/export.csv").status_code == 403
