"""After `daur demo`, the activity recap has figures for demo-rep and for the manager."""

from __future__ import annotations

import pytest

from daur.accounts.models import User
from daur.demo.load import demo_load

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_recap_for_a_rep_and_the_manager(client):
    demo_load(customers=300, seed=3)
    client.force_login(User.objects.get(username="demo-rep"))
    own = client.get("/activity/").context["rep"]
    assert own.activities > 0 and own.pipeline_leads > 0
    client.force_login(User.objects.get(username="demo"))
    recap = client.get("/activity/").context["recap"]
    names = {User.objects.get(pk=r.user_id).username for r in recap.reps}
    assert {"demo-rep", "demo-rep2", "demo-rep3"} <= names
    assert recap.total.activities > 0 and recap.total.customers_touched > 0
    assert recap.total.pipeline_leads > 0
