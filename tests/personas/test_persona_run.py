"""Personas in the scoring run: stored per run, followed between runs, a persona's segment and
its customer list agree, and the page shows them in words to the roles that may see them."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

from daur.actions.segments import segment_create
from daur.campaigns.models import Segment
from daur.customers.selectors import customer_list
from daur.demo.load import demo_load
from daur.insights.models import Persona, PersonaMember, PersonaRun, SegmentSnapshot
from daur.insights.segments import segment_members
from daur.jobs import score_run
from daur.sales.models import Order
from daur.web.forms import CustomerFilterForm
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db(transaction=True)




@pytest.fixture
def business():
    demo_load(customers=150, seed=11)
    job = score_run()
    return job


def test_the_scoring_run_stores_personas_and_every_buyer_has_one(business):
    persona_run = PersonaRun.objects.get(run=business.run)
    personas = list(persona_run.personas.order_by("number"))
    buyers = Order.objects.values("customer_id").distinct().count()
    assert persona_run.buyers == buyers == PersonaMember.objects.count()
    assert len(personas) == persona_run.k and 3 <= persona_run.k <= 7
    assert sum(p.size for p in personas) == buyers
    assert [p.size for p in personas] == sorted((p.size for p in personas), reverse=True)
    for p in personas:
        assert PersonaMember.objects.filter(key=p.key).count() == p.size
        assert {"orders_per_year", "discount_share", "channel"} <= set(p.figures)
        assert p.traits and p.previous is None
    assert "personas are not stored" not in business.run.message


def test_a_second_run_follows_the_personas_and_a_persona_segment_matches_its_list(
    business, client
):
    first = {p.key: p for p in Persona.objects.filter(persona_run__run=business.run)}
    manager = user_make("boss", role="manager", is_superuser=True)
    key = max(first.values(), key=lambda p: p.size).key
    segment = segment_create(name="Persona", query=f"persona={key}", user=manager)
    again = score_run()
    second = list(Persona.objects.filter(persona_run__run=again.run))
    # The same data: the same personas, each continuing its predecessor under its key.
    assert {p.key for p in second} == set(first)
    for p in second:
        assert p.previous_id == first[p.key].pk and p.size == first[p.key].size
    members = set(segment_members(segment, manager).values_list("id", flat=True))
    form = CustomerFilterForm(QueryDict(f"persona={key}"), user=manager)
    listed = {c.pk for c in customer_list(user=manager, filters=form.filters(), limit=10_000).customers}
    assert members == listed == set(PersonaMember.objects.filter(key=key).values_list("customer_id", flat=True))
    assert SegmentSnapshot.objects.get(segment=segment, run=again.run).size == len(members)
    client.force_login(manager)
    with translation.override("en"):
        page = client.get(reverse("web:personas"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("Since the previous run") == len(second)
    assert "New since the previous run" not in page


@pytest.mark.parametrize("role", ["admin", "manager", "marketer"])
def test_the_page_describes_the_personas_in_words(client, business, role):
    client.force_login(user_make(f"u-{role}", role=role, is_superuser=role in ("admin", "manager")))
    page = client.get(reverse("web:personas")).content.decode()
    personas = Persona.objects.filter(persona_run__run=business.run)
    assert page.count("orders a year") >= personas.count()
    assert "discount share" in page and "Save as segment" in page and "New since the previous run" in page
    for p in personas:
        assert f"?persona={p.key}" in page
    assert "=web" not in page and "sales_rep" not in page  # codes are named, never raw
    saved = client.post(reverse("web:segment_new"), {"name": "From persona", "query": f"persona={personas[0].key}"})
    assert saved.status_code == 302 and Segment.objects.get(name="From persona").query == f"persona={personas[0].key}"


@pytest.mark.parametrize("role", ["sales_rep", "support_agent"])
def test_other_roles_do_not_see_the_personas(client, business, role):
    client.force_login(user_make(f"u-{role}", role=role))
    assert client.get(reverse("web:personas")).status_code == 403


@pytest.mark.parametrize("language", ["id", "it"])
def test_the_page_speaks_the_users_language(client, business, language):
    client.force_login(user_make("mk", role="marketer"))
    client.cookies["django_language"] = language
    page = client.get(reverse("web:personas"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "orders a year" not in page
