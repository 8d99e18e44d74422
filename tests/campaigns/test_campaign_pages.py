"""The campaign pages: who may read, create and launch; the read-out in words; en/id/it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from daur.actions.campaigns import campaign_create, campaign_launch
from daur.campaigns.models import Campaign
from tests.campaigns.conftest import LAUNCH
from tests.web.factories import order_make, user_make

pytestmark = pytest.mark.django_db


def login(client, role):
    user = user_make(f"u-{role}", role=role, is_superuser=role in ("admin", "manager"))
    client.force_login(user)
    return user


@pytest.fixture
def launched(base):
    campaign = campaign_create(name="Come back", segment=base["segment"], offer="coupon",
                               holdout=0.5, discount_percent=10, cost="100000")
    campaign_launch(campaign, seed="p", at=LAUNCH)
    arms = dict(campaign.members.values_list("customer_id", "group"))
    for customer in base["customers"][:20]:
        if arms[customer.pk] == "treated":
            order_make(customer, at=LAUNCH + timedelta(days=2), amount="50000", lines=0)
    return campaign


@pytest.mark.parametrize("role", ["admin", "manager", "marketer"])
def test_managers_create_and_launch_a_campaign(client, base, role):
    login(client, role)
    assert client.get(reverse("web:campaign_new")).status_code == 200
    response = client.post(reverse("web:campaign_new"), {
        "name": "Autumn", "segment": base["segment"].pk, "offer": "coupon",
        "holdout_percent": "20", "discount_percent": "15", "window_days": "14",
        "channel": "email", "subject_en": "Hi {name}",
    })
    campaign = Campaign.objects.get(name="Autumn")
    assert response.status_code == 302 and response["Location"].endswith(f"/{campaign.pk}/")
    assert (campaign.holdout_share, campaign.window_days, campaign.subject_en) == (
        0.2, 14, "Hi {name}"
    )
    page = client.get(response["Location"]).content.decode()
    assert "Launch now" in page
    url = reverse("web:campaign_launch", args=[campaign.pk])
    client.post(url, {"seed": "x"})  # not confirmed: nothing happens
    campaign.refresh_from_db()
    assert campaign.status == "draft"
    followed = client.post(url, {"seed": "x", "confirm": "yes"}, follow=True).content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "launched" and campaign.members.count() == 60
    assert "Launched:" in followed and "Balance of the groups before the launch" in followed
    again = client.post(url, {"confirm": "yes"}, follow=True).content.decode()
    assert "was launched already" in again and campaign.members.count() == 60


def test_a_holdout_of_zero_is_refused_on_the_form(client, base):
    login(client, "marketer")
    page = client.post(reverse("web:campaign_new"), {
        "name": "Zero", "segment": base["segment"].pk, "offer": "newsletter",
        "holdout_percent": "0", "window_days": "30", "channel": "email",
    }).content.decode()
    assert "hold-out share must be above 0 and below 1" in page
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("role", ["sales_rep", "support_agent"])
def test_reps_and_agents_read_but_do_not_manage(client, launched, role):
    login(client, role)
    assert client.get(reverse("web:campaigns")).status_code == 200
    assert client.get(reverse("web:campaign", args=[launched.pk])).status_code == 200
    assert client.get(reverse("web:campaign_new")).status_code == 403
    draft = campaign_create(name="D", segment=launched.segment, offer="newsletter")
    url = reverse("web:campaign_launch", args=[draft.pk])
    assert client.post(url, {"confirm": "yes"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert "Launch now" not in client.get(reverse("web:campaign", args=[draft.pk])).content.decode()


def test_a_sales_rep_sees_the_results_of_their_own_customers(client, launched, base):
    rep = login(client, "sales_rep")
    for customer in base["customers"][:4]:
        customer.owner = rep
        customer.save()
    page = client.get(reverse("web:campaign", args=[launched.pk])).content.decode()
    assert "The results count the customers you own." in page
    mine = launched.members.filter(customer__in=base["customers"][:4])
    for label, group in (("Treated", "treated"), ("Hold-out", "holdout")):
        n = mine.filter(group=group).count()
        assert f'<th scope="row">{label}</th><td class="text-end">{n}</td>' in page


def test_the_read_out_in_words_and_too_small(client, launched, small_rules):
    login(client, "marketer")
    page = client.get(reverse("web:campaign", args=[launched.pk])).content.decode()
    assert "points, between +" in page and " and +" in page and "(p = " in page
    assert "Too small to measure" not in page
    listing = client.get(reverse("web:campaigns")).content.decode()
    assert "Come back" in listing and "points, between" in listing


def test_too_small_is_said(client, launched):
    login(client, "marketer")
    page = client.get(reverse("web:campaign", args=[launched.pk])).content.decode()
    assert "Too small to measure yet: each group needs at least 100 members" in page
    assert "too small to measure" in client.get(reverse("web:campaigns")).content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [("id", ("Kampanye", "Terlalu kecil untuk diukur")),
     ("it", ("Campagne", "Troppo piccola per essere misurata"))],
)
def test_the_pages_speak_indonesian_and_italian(client, launched, language, words):
    login(client, "marketer")
    client.cookies["django_language"] = language
    listing = client.get(reverse("web:campaigns")).content.decode()
    detail = client.get(reverse("web:campaign", args=[launched.pk])).content.decode()
    assert words[0] in listing and words[1] in detail
    assert client.get(reverse("web:campaign_new")).status_code == 200


def test_the_navigation_links_campaigns(client, base):
    login(client, "support_agent")
    assert reverse("web:campaigns") in client.get(reverse("web:campaigns")).content.decode()
