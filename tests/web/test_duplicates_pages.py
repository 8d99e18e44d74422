"""The duplicates page (roles, pairs with evidence, merge and undo) and a lead's conversion."""

from __future__ import annotations

import pytest
from django.utils import timezone

from daur.customers.models import Customer, CustomerMerge
from daur.leads.models import Lead
from daur.sales.models import Order
from tests.duplicates.factories import customer, related_everything
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    a = customer("C1", "Adi Putra", email="Adi.Putra@example.com", phone="0812-3456-7890")
    b = customer("C2", "adi putra", email="adi.putra@example.com", city="Jakarta")
    customer("C3", "Adi Putra", email="adi.p@other.id", phone="0813 0000 1111")  # namesake
    related_everything(b)
    return a, b


@pytest.mark.parametrize("role", ["sales_rep", "marketer", "support_agent"])
def test_only_admins_and_managers_see_the_duplicates_page(client, pair, role):
    client.force_login(user_make("u", role=role))
    assert client.get("/customers/duplicates/").status_code == 404
    response = client.post("/customers/duplicates/merge/", {"keep": "C1", "duplicate": "C2"})
    assert response.status_code == 404
    assert Customer.objects.count() == 3 + 2  # the pair, the namesake, two helper customers


def test_the_page_lists_the_pair_with_its_evidence_not_the_namesake(client, manager, pair):
    response = client.get("/customers/duplicates/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 suspected pair" in html
    assert "same e-mail adi.putra@example.com" in html
    assert "C3" not in html
    assert 'name="keep" value="C1"' in html and 'name="keep" value="C2"' in html


def test_merge_then_undo_from_the_page(client, manager, pair):
    a, b = pair
    response = client.post(
        "/customers/duplicates/merge/",
        {"keep": "C1", "duplicate": "C2", "score": "0.97", "evidence": "same e-mail"},
        follow=True,
    )
    assert "Merged C2 into C1" in response.content.decode()
    merge = CustomerMerge.objects.get()
    assert merge.merged_by == manager and merge.score == 0.97
    assert Order.objects.filter(customer=a).count() == 1
    assert "0 suspected pairs" in client.get("/customers/duplicates/").content.decode()
    response = client.post(f"/customers/merges/{merge.pk}/undo/", follow=True)
    assert "C2 is back" in response.content.decode()
    assert Order.objects.filter(customer_id=b.pk).count() == 1
    merge.refresh_from_db()
    assert merge.undone_by == manager


def test_a_refused_merge_says_why(client, manager, pair):
    response = client.post(
        "/customers/duplicates/merge/", {"keep": "C1", "duplicate": "C1"}, follow=True
    )
    assert "cannot be merged into itself" in response.content.decode()
    assert client.get("/customers/duplicates/merge/").status_code == 405


def test_the_conversion_page_offers_the_customer_the_lead_duplicates(client, rep, pair):
    a, _ = pair
    lead = Lead.objects.create(
        external_id="LD1",
        name="Adi Putra",
        email="ADI.PUTRA@example.com",
        source="event",
        stage="won",
        owner=rep,
    )
    page = client.get(f"/leads/{lead.pk}/convert/")
    html = page.content.decode()
    assert page.status_code == 200 and "Merge into Adi Putra (C" in html
    response = client.post(f"/leads/{lead.pk}/convert/", {"into": str(a.pk)})
    assert response.status_code == 302 and response["Location"] == f"/customers/{a.pk}/"
    lead.refresh_from_db()
    assert lead.converted_customer_id == a.pk
    again = client.get(f"/leads/{lead.pk}/convert/")
    assert again.status_code == 409 and "already converted" in again.content.decode()


def test_a_lead_converts_only_for_its_owner_or_a_manager(client, rep):
    other = user_make("other")
    lead = Lead.objects.create(
        external_id="LD2", name="Citra", source="event", stage="won", owner=other
    )
    assert client.get(f"/leads/{lead.pk}/convert/").status_code == 404
    assert client.post(f"/leads/{lead.pk}/convert/", {"into": "new"}).status_code == 404
    assert client.get("/leads/999/convert/").status_code == 404
    lead.refresh_from_db()
    assert lead.converted_at is None


def test_a_new_customer_from_the_conversion_page(client, manager):
    lead = Lead.objects.create(
        external_id="LD3",
        name="Dewi Lestari",
        source="referral",
        stage="won",
        created_at=timezone.now(),
    )
    response = client.post(f"/leads/{lead.pk}/convert/", {"into": "new"})
    made = Customer.objects.get(external_id="L-LD3")
    assert response["Location"] == f"/customers/{made.pk}/"
    assert made.acquired_via == "referral"


def test_a_won_lead_page_links_to_its_conversion_until_converted(client, manager):
    won = Lead.objects.create(external_id="LD4", name="Eka", source="event", stage="won")
    open_lead = Lead.objects.create(external_id="LD5", name="Fajar", source="event", stage="new")
    link = f'href="/leads/{won.pk}/convert/"'
    assert link in client.get(f"/leads/{won.pk}/").content.decode()
    assert "/convert/" not in client.get(f"/leads/{open_lead.pk}/").content.decode()
    client.post(f"/leads/{won.pk}/convert/", {"into": "new"})
    assert link not in client.get(f"/leads/{won.pk}/").content.decode()
