"""The 360 page of a prospect shows the score of its open lead, with the factors in words."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from daur.insights.models import LeadScore
from daur.leads.models import Lead
from daur.web.lead_score_words import factor_words
from tests.web.factories import customer_make, score_make

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script>"


def scored_lead(prospect, **fields) -> LeadScore:
    lead = Lead.objects.create(
        external_id="L1",
        name=HOSTILE,
        source="referral",
        stage="proposal",
        converted_customer=prospect,
    )
    factors = [
        {"name": "source", "value": "referral", "points": 0.12, "logit": 0.6},
        {"name": "call_count", "value": 3.0, "points": -0.031, "logit": -0.2},
        {"name": "first_response", "value": "none", "points": -0.02, "logit": -0.1},
    ]
    values = {"win_probability": 0.734, "basis": "model", "factors": factors, **fields}
    return LeadScore.objects.create(
        lead=lead, as_of=timezone.localdate(), scored_at=timezone.now(), **values
    )


def test_a_prospect_with_a_scored_lead_shows_it(client, manager):
    prospect = customer_make("Prospect")
    score_make(prospect, stage="acquisition")
    scored_lead(prospect)
    body = client.get(f"/customers/{prospect.pk}/").content.decode()
    assert "73 % chance to win" in body
    assert "source: referral +12 pts" in body
    assert "calls: 3 -3 pts" in body
    assert "first response (hours): none yet -2 pts" in body
    assert HOSTILE not in body and "&lt;script&gt;" in body


def test_a_buyer_shows_no_lead_score(client, manager):
    buyer = customer_make("Buyer")
    score_make(buyer, stage="retention")
    scored_lead(buyer)
    body = client.get(f"/customers/{buyer.pk}/").content.decode()
    assert "chance to win" not in body


def test_a_prior_score_says_so(client, manager):
    prospect = customer_make("Prospect")
    scored_lead(prospect, basis="prior", factors=[])
    body = client.get(f"/customers/{prospect.pk}/").content.decode()
    assert "From the channel&#x27;s win rate" in body or "From the channel's win rate" in body


def test_factor_words_for_counts_and_unknown_names():
    with translation.override("en"):
        assert factor_words({"name": "email_count", "value": 0.0, "points": 0.0}) == (
            "e-mails: 0 +0 pts"
        )
        assert (
            factor_words({"name": "mystery", "value": "x", "points": 0.5}) == "mystery: x +50 pts"
        )
