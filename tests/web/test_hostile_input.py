"""Hand-made URLs get a page or a 4xx, never a 500: timeline tokens and admin lookups."""

from __future__ import annotations

from datetime import date

import pytest

from tests.web.factories import customer_make, order_make, stage_change_make

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


@pytest.mark.parametrize(
    "before",
    [
        "0001-01-01T00:00:00+00:00~0~1",
        "0001-01-01T00:00:00+14:00~0~1",
        "9999-12-31T23:59:59+00:00~0~1",
        "9999-12-31T23:59:59-12:00~0~1",
        f"2025-03-01T00:00:00+00:00~0~{HUGE}",
        f"2025-03-01T00:00:00+00:00~{HUGE}~1",
        f"2025-03-01T00:00:00+00:00~-{HUGE}~-{HUGE}",
    ],
)
def test_a_timeline_token_at_the_ends_of_the_calendar_or_of_integers(manager, client, before):
    customer = customer_make("Token", owner=manager)
    order_make(customer)
    stage_change_make(customer, on=date(2025, 3, 2), to="retention", frm="conversion")
    response = client.get(f"/customers/{customer.pk}/timeline/", {"before": before})
    assert response.status_code == 200  # a token naming no event: the newest page
