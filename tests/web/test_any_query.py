"""Whatever query string a page gets, from whichever role, it answers without a 500 (a page, a
redirect or a 4xx): hypothesis throws arbitrary keys and values, and the pages' own parameters
with arbitrary values, at every page."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.factories import customer_make, order_make, run_make, score_make, user_make

pytestmark = pytest.mark.django_db

ROLES = ("admin", "manager", "sales_rep", "marketer", "support_agent")
PARAMETERS = (
    "q", "match", "stage", "type", "orientation", "segment", "strategy", "rfm_r", "rfm_f",
    "owner", "country", "city", "relationship", "sort", "cursor", "before", "orders_page",
    "served_page", "page", "language", "date_from", "date_to", "channel",
)
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "9" * 30, "1e309", "nan", "%", "_", "'", "\x00", "😀",
                     "2025-01-01T00:00:00+00:00~0~1", "0001-01-01T00:00:00+00:00~0~1",
                     "retention", "clv", "contains", "prefix", "words"]),
)
QUERIES = st.dictionaries(
    st.one_of(st.sampled_from(PARAMETERS), st.text(min_size=1, max_size=10)), VALUES, max_size=5
)


@pytest.fixture
def world():
    """A user of each role, and a scored reseller with an order owned by the sales rep (so each
    page has something to show)."""
    users = {role: user_make(f"any-{role}", role=role) for role in ROLES}
    run = run_make()
    reseller = customer_make("Toko Any", owner=users["sales_rep"], relationship="intermediary")
    buyer = customer_make("Adi Putra", owner=users["sales_rep"])
    score_make(reseller, run=run)
    score_make(buyer, run=run, stage="lapsed", strategy="regain")
    order = order_make(buyer)
    order.reseller = reseller
    order.save()
    pages = (
        "/", "/customers/", f"/customers/{reseller.pk}/", f"/customers/{buyer.pk}/",
        f"/customers/{buyer.pk}/timeline/", "/model/", "/customers/export.csv", "/acquisition/",
    )
    return users, pages


@settings(
    max_examples=50, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=QUERIES, role=st.sampled_from(ROLES), page=st.integers(min_value=0, max_value=7))
def test_no_query_string_gets_a_500_on_any_page_for_any_role(client, world, query, role, page):
    users, pages = world
    client.force_login(users[role])
    url = f"{pages[page]}?{urlencode(query)}"
    response = client.get(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # the export fails while streaming, if at all
    assert response.status_code < 500, url
