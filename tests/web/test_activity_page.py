"""The sales-activity recap page: who sees which reps, the period selector, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from daur.engagement.models import Interaction
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db


def _call(user, customer, when=None, key="k"):  # noqa: ANN001, ANN202
    return Interaction.objects.create(
        user=user, kind="call", occurred_at=when or timezone.now(), customer=customer,
        natural_key=f"{key}-{user.pk}-{customer.pk}",
    )


@pytest.fixture
def other():
    user = user_make("rep2", first_name="Oscar", last_name="Other")
    _call(user, customer_make())
    return user


def test_manager_sees_every_rep_and_a_total(client, manager, other):
    rina = user_make("rep3", first_name="Rina", last_name="Sari")
    _call(rina, customer_make())
    html = client.get("/activity/?period=month").content.decode()
    assert "Oscar Other" in html and "Rina Sari" in html
    assert 'class="total-row"' in html
    assert client.get(f"/activity/{other.pk}/").status_code == 200


def test_rep_sees_only_their_own(client, rep, other):
    _call(rep, customer_make())
    response = client.get("/activity/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rina" in html and "Oscar Other" not in html
    assert client.get(f"/activity/{rep.pk}/").status_code == 200
    assert client.get(f"/activity/{other.pk}/").status_code == 404


def test_marketer_reads_all_support_agent_refused(client, other):
    client.force_login(user_make("mk", role="marketer"))
    assert "Oscar Other" in client.get("/activity/").content.decode()
    client.force_login(user_make("sa", role="support_agent"))
    assert client.get("/activity/").status_code == 403
    assert client.get(f"/activity/{other.pk}/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    assert client.get("/activity/").status_code == 302


@pytest.mark.parametrize(
    "query",
    [
        "period=nonsense",
        "period=custom",
        "period=custom&date_from=2026-05-01&date_to=2026-04-01",
        "period=custom&date_from=0001-01-01&date_to=9999-12-31",
        "period=custom&date_from=99999-01-01&date_to=x",
        "period=%3Cscript%3Ealert(1)%3C/script%3E&date_from=%00",
        "period=week&period=month&date_from[]=1",
    ],
)
def test_hostile_query_strings_are_no_error(client, manager, other, query):
    response = client.get(f"/activity/?{query}")
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()
    assert client.get(f"/activity/{other.pk}/?{query}").status_code == 200


def test_unknown_rep_is_not_found(client, manager):
    assert client.get("/activity/999999/").status_code == 404
    assert client.get(f"/activity/{2**70}/").status_code == 404


def test_custom_period_counts_only_its_days(client, manager, other):
    old = timezone.localdate() - timedelta(days=400)
    _call(other, customer_make(), when=timezone.now() - timedelta(days=400), key="old")
    query = f"period=custom&date_from={old:%Y-%m-%d}&date_to={old:%Y-%m-%d}"
    response = client.get(f"/activity/{other.pk}/?{query}")
    assert response.context["rep"].activities == 1
    empty = client.get(f"/activity/{other.pk}/?period=custom&date_from=2001-01-01&date_to=2001-01-02")
    assert empty.context["rep"].activities == 0
    assert "No activity in this period." in empty.content.decode()


def test_navigation_links_the_page(client, rep):
    assert 'href="/activity/"' in client.get("/leads/").content.decode()


def test_italian_names_kinds_reasons_and_numbers(client, manager, other):
    from daur.leads.models import LeadStageChange
    from tests.leads.factories import lead_make

    customer = customer_make()
    Interaction.objects.bulk_create(
        Interaction(user=other, kind="meeting", occurred_at=timezone.now(), customer=customer,
                    natural_key=f"m{n}")
        for n in range(1200)
    )
    lost = lead_make(owner=other, stage="lost", lost_reason="price")
    LeadStageChange.objects.create(lead=lost, from_stage="new", to_stage="lost", user=other,
                                   lost_reason="price")
    client.post("/i18n/setlang/", {"language": "it", "next": "/activity/"})
    html = client.get(f"/activity/{other.pk}/?period=month").content.decode()
    assert "Chiamata" in html and "Incontro" in html and "Prezzo" in html
    assert "1.200" in html  # activities: Italian grouping
