"""The computed tables are read-only in the admin; the demo's manager is not a superuser."""

from __future__ import annotations

import pytest

from daur.insights.models import Alert, CustomerScore, ScoringRun, StageChange
from tests.web.factories import customer_make, run_make, score_make

pytestmark = pytest.mark.django_db

COMPUTED = {
    "scoringrun": ScoringRun,
    "customerscore": CustomerScore,
    "stagechange": StageChange,
    "alert": Alert,
}


@pytest.mark.parametrize("model", sorted(COMPUTED))
def test_a_superuser_may_read_but_not_add_change_or_delete_a_computed_row(client, manager, model):
    run = run_make()
    customer = customer_make("Scored")
    score = score_make(customer, run=run)
    rows = {
        "scoringrun": run,
        "customerscore": score,
        "stagechange": StageChange.objects.create(
            customer=customer, run=run, changed_on=run.as_of, from_stage="conversion",
            to_stage="retention",
        ),
        "alert": Alert.objects.create(
            run=run, as_of=run.as_of, segment_kind="type", segment="loyal", metric="orders",
            window_days=30, expected=10, observed=2, change=-0.8, p_value=0.01, customer_count=3,
        ),
    }
    row = rows[model]
    base = f"/admin/insights/{model}/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}add/").status_code == 403
    change = client.get(f"{base}{row.pk}/change/")
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()  # a view, not a form to save
    assert client.post(f"{base}{row.pk}/change/", {}).status_code == 403
    assert client.get(f"{base}{row.pk}/delete/").status_code == 403
    assert client.post(f"{base}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert COMPUTED[model].objects.filter(pk=row.pk).exists()


def test_the_demo_manager_is_not_a_superuser_and_the_demo_admin_is(client):
    from daur.demo.load import demo_users_ensure

    users = {u.username: u for u in demo_users_ensure()}
    assert users["demo"].role == "manager"
    assert not users["demo"].is_superuser
    assert users["demo-admin"].is_superuser
    client.force_login(users["demo"])
    assert client.get("/admin/customers/customer/").status_code == 200
    assert client.get("/admin/insights/customerscore/").status_code == 200
    assert client.get("/admin/insights/customerscore/add/").status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403
    # The pages still show the manager everything.
    customer_make("Anyone's")
    assert client.get("/customers/").context["page"].customers
