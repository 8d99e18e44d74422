"""Converting a won lead: a new customer, or a merge into the customer it duplicates."""

from __future__ import annotations

import pytest
from django.utils import timezone

from daur.actions.leads_convert import (
    ConversionRefused,
    lead_conversion_candidates,
    lead_convert,
)
from daur.campaigns.models import Campaign
from daur.customers.models import Customer
from daur.leads.models import Lead
from tests.duplicates.factories import customer
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db


def lead(**fields) -> Lead:
    fields.setdefault("external_id", "LD1")
    fields.setdefault("name", "Adi Putra")
    fields.setdefault("source", "event")
    fields.setdefault("stage", "won")
    return Lead.objects.create(**fields)


def test_a_won_lead_without_a_match_becomes_a_new_customer_keeping_source_campaign_owner():
    rep = user_make("rep9")
    campaign = Campaign.objects.create(external_id="CP1", name="Fair", channel="event")
    won = lead(
        email="adi@toko.id",
        company="Toko Adi",
        owner=rep,
        campaign=campaign,
        custom_fields={"phone": "0812 5555 6666", "country": "ID"},
    )
    customer("OTHER", "Citra Lestari", email="citra@example.com")
    assert lead_conversion_candidates(lead=won) == []
    conversion = lead_convert(lead_id=won.pk)
    made = conversion.customer
    assert conversion.created and made.external_id == "L-LD1"
    assert (made.acquired_via, made.campaign_id, made.owner_id) == ("event", campaign.pk, rep.pk)
    assert (made.email, made.phone, made.country) == ("adi@toko.id", "0812 5555 6666", "ID")
    assert made.custom_fields == {"company": "Toko Adi"}
    won.refresh_from_db()
    assert won.converted_customer_id == made.pk and won.converted_at is not None


def test_a_won_lead_matching_a_customer_merges_into_it_filling_only_blanks():
    rep, other_rep = user_make("rep9"), user_make("rep8")
    existing = customer(
        "C7", "adi putra", email="ADI@toko.id ", owner=other_rep, acquired_via="advertising"
    )
    won = lead(email="adi@toko.id", owner=rep, custom_fields={"phone": "+62 812 5555 6666"})
    [best] = lead_conversion_candidates(lead=won)
    assert best.b == existing.pk and best.score >= 0.9
    conversion = lead_convert(lead_id=won.pk, customer_id=existing.pk)
    assert not conversion.created and conversion.customer.pk == existing.pk
    existing.refresh_from_db()
    assert existing.owner_id == other_rep.pk and existing.acquired_via == "advertising"  # kept
    assert existing.phone == "+62 812 5555 6666"  # blank, filled
    assert set(conversion.filled) == {"phone"}
    assert Customer.objects.count() == 1


@pytest.mark.parametrize("stage", ["new", "qualified", "lost"])
def test_only_a_won_lead_converts(stage):
    fields = {"lost_reason": "price"} if stage == "lost" else {}
    open_lead = lead(stage=stage, **fields)
    with pytest.raises(ConversionRefused, match="only a won lead"):
        lead_convert(lead_id=open_lead.pk)
    assert not Customer.objects.exists()


def test_converting_twice_is_refused():
    won = lead()
    lead_convert(lead_id=won.pk)
    with pytest.raises(ConversionRefused, match="already converted"):
        lead_convert(lead_id=won.pk)
    already = lead(external_id="LD2", converted_at=timezone.now())
    with pytest.raises(ConversionRefused, match="already converted"):
        lead_convert(lead_id=already.pk)
    assert Customer.objects.count() == 1


def test_unknown_lead_or_customer_is_refused():
    with pytest.raises(ConversionRefused, match="no lead"):
        lead_convert(lead_id=999)
    won = lead()
    with pytest.raises(ConversionRefused, match="no customer"):
        lead_convert(lead_id=won.pk, customer_id=999)
    won.refresh_from_db()
    assert won.converted_at is None
