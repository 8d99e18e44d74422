"""After `daur demo` and `daur score`, the demo sales rep's day has work in every section."""

from __future__ import annotations

import pytest
from django.test import Client

from daur.accounts.models import User
from daur.demo.load import demo_load
from daur.jobs import score_run

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_reps_day_is_populated():
    demo_load(customers=300, seed=5)
    score_run()
    client = Client()
    client.force_login(User.objects.get(username="demo-rep"))
    response = client.get("/today/")
    assert response.status_code == 200
    worklist = response.context["worklist"]
    assert worklist.customers.count and worklist.leads.count and worklist.activities.count
    values = [item.value_at_stake for item in worklist.leads.items]
    assert values == sorted(values, reverse=True) and values[0] > 0
