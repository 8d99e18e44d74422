"""`campaign_email_drafts`: one draft per treated member, in the member's language, filled in."""

from __future__ import annotations

from datetime import date

import pytest

from daur.actions.campaigns import campaign_create, campaign_launch
from daur.campaigns.drafts import campaign_email_drafts
from tests.campaigns.conftest import LAUNCH

pytestmark = pytest.mark.django_db


def test_drafts_for_the_treated_with_their_coupon_and_language(base):
    campaign = campaign_create(
        name="Back", segment=base["segment"], offer="coupon", discount_percent="12.5",
        expires=date(2025, 7, 31), holdout=0.3,
        texts={"en": ("Hi {name}", "Use {coupon_code} for {discount} until {expires}."),
               "it": ("Ciao {name}", "Usa {coupon_code}: {discount} fino al {expires}. {other}")},
    )
    campaign_launch(campaign, seed="d")
    drafts = list(campaign_email_drafts(campaign))
    treated = dict(campaign.members.filter(group="treated").values_list("customer_id", "coupon_code"))
    assert sorted(d["customer_id"] for d in drafts) == sorted(treated)
    by_customer = {c.pk: c for c in base["customers"]}
    for draft in drafts:
        customer = by_customer[draft["customer_id"]]
        code = treated[customer.pk]
        assert draft["key"] == f"campaign:{campaign.pk}:member:{customer.pk}"
        assert draft["source"] == f"campaign:{campaign.pk}"
        if customer.country == "IT":
            assert draft["language"] == "it" and draft["subject"] == f"Ciao {customer.name}"
            assert draft["body"] == f"Usa {code}: 12,5 % fino al 31 Luglio 2025. {{other}}"
        else:  # Indonesian has no text of its own: the English one, in Indonesian's formats
            assert draft["language"] == "id" and draft["subject"] == f"Hi {customer.name}"
            assert draft["body"].startswith(f"Use {code} for 12,5 % until ")
    assert list(campaign_email_drafts(campaign)) == drafts  # the same keys at every call


def test_default_texts_and_no_drafts_for_a_recorded_launch(base):
    news = campaign_create(name="Autumn news", segment=base["segment"], offer="newsletter")
    campaign_launch(news, seed="n")
    draft = next(iter(campaign_email_drafts(news)))
    assert draft["subject"] == "Autumn news" and "Autumn news" in draft["body"]
    old = campaign_create(name="Old", segment=base["segment"], offer="newsletter")
    assert list(campaign_email_drafts(old)) == []  # a draft campaign
    campaign_launch(old, seed="o", at=LAUNCH)
    assert list(campaign_email_drafts(old)) == []  # recorded afterwards: sent nothing
