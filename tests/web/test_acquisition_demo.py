"""The demo business fills the acquisition page: customers, costs, leads and cohorts."""

from __future__ import annotations

import pytest

from daur.demo.load import demo_load
from daur.jobs import score_run
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_populates_every_part_of_the_acquisition_page(client):
    demo_load(customers=300, seed=5)
    score_run()
    client.force_login(user_make("boss", role="manager", is_superuser=True))
    response = client.get("/acquisition/")
    assert response.status_code == 200
    a = response.context["a"]
    assert a.acquisition.acquired > 0 and sum(m.acquired for m in a.months) == a.acquisition.acquired
    assert a.cac is not None and a.clv_to_cac is not None and a.first_order_avg is not None
    assert a.funnel.leads > 0 and a.funnel.won > 0 and a.funnel.lost > 0
    assert any(f.median_days is not None for f in a.funnel.flows)
    assert any(any(c.retained) for c in a.cohorts.cohorts)
    assert "<svg" in response.content.decode()
