"""`campaign_create` and `campaign_launch`: members frozen, arms drawn reproducibly, coupons."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from daur.actions.campaigns import CampaignRefused, campaign_create, campaign_launch
from daur.analytics.campaign_draw import coupon_campaign, draw_salt, holdout_mask
from daur.campaigns.models import Campaign, CampaignMember
from tests.campaigns.conftest import LAUNCH

pytestmark = pytest.mark.django_db


def coupon(base, **fields):
    fields.setdefault("discount_percent", 10)
    fields.setdefault("name", "Come back")
    return campaign_create(segment=base["segment"], offer="coupon", **fields)


def test_create_gives_a_draft_with_its_campaign_id(base):
    campaign = coupon(base, holdout=0.25, cost="500000")
    assert campaign.status == "draft" and campaign.external_id == f"C{campaign.pk}"
    assert (campaign.holdout_share, campaign.window_days, campaign.channel) == (0.25, 30, "email")
    assert str(campaign.cost) == "500000.00" and str(campaign.discount_percent) == "10.00"


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"holdout": 0}, "holdout: the hold-out share must be above 0 and below 1"),
        ({"holdout": 1}, "holdout: the hold-out share must be above 0 and below 1"),
        ({"holdout": "lots"}, "holdout: 'lots' is not a number"),
        ({"discount_percent": 0}, "discount-percent: a discount is above 0"),
        ({"discount_percent": None}, "discount-percent: a coupon offer needs its discount"),
        ({"window_days": 0}, "window-days: the attribution window is 1 to 365 days"),
        ({"cost": "-1"}, "cost: a cost is not negative"),
        ({"channel": "pigeon"}, "channel: 'pigeon' is not a known channel"),
        ({"name": "  "}, "name: a campaign needs a name"),
    ],
)
def test_create_refuses_bad_values_naming_the_field(base, fields, says):
    with pytest.raises(CampaignRefused, match=says):
        coupon(base, **fields)
    assert not Campaign.objects.exists()


def test_create_refuses_an_unknown_offer(base):
    with pytest.raises(CampaignRefused, match="offer: 'lottery' is not one of newsletter"):
        campaign_create(name="x", segment=base["segment"], offer="lottery")


def test_launch_freezes_the_segment_and_draws_the_holdout(base):
    campaign = coupon(base, holdout=0.3)
    launched = campaign_launch(campaign, seed="s1", at=LAUNCH)
    assert (launched.members, launched.treated + launched.holdout) == (60, 60)
    members = CampaignMember.objects.filter(campaign=campaign)
    ids = sorted(c.pk for c in base["customers"])
    assert sorted(members.values_list("customer_id", flat=True)) == ids
    expected = holdout_mask(np.array(ids), 0.3, draw_salt("s1", str(campaign.pk)))
    drawn = dict(members.values_list("customer_id", "group"))
    assert [drawn[i] == "holdout" for i in ids] == expected.tolist()
    campaign.refresh_from_db()
    assert (campaign.status, campaign.launched_at, campaign.seed) == ("launched", LAUNCH, "s1")
    assert campaign.started_on == LAUNCH.date()


def test_launch_records_the_pre_launch_figures(base):
    campaign = coupon(base)
    campaign_launch(campaign, seed=1, at=LAUNCH)
    first = base["customers"][3]
    member = CampaignMember.objects.get(campaign=campaign, customer=first)
    assert member.pre_spend == 400_000.0
    assert member.pre_expected_purchases == 1.2 and member.pre_clv == 3000.0
    assert member.sent_at is None and not member.excluded


def test_launch_is_reproducible_with_the_same_seed(base):
    arms = []
    for _ in range(2):
        campaign = coupon(base, holdout=0.5)
        campaign_launch(campaign, seed="same", at=LAUNCH)
        arms.append(
            [g for _, g in campaign.members.order_by("customer_id").values_list("id", "group")]
        )
        Campaign.objects.filter(pk=campaign.pk).update(status="draft", launched_at=None)
        campaign.members.all().delete()
        # The same campaign launched again with the same seed draws the same arms.
        campaign_launch(Campaign.objects.get(pk=campaign.pk), seed="same", at=LAUNCH)
        again = list(campaign.members.order_by("customer_id").values_list("group", flat=True))
        assert again == arms[-1]


def test_coupons_go_to_the_treated_only_unique_and_readable(base):
    campaign = coupon(base, holdout=0.3)
    launched = campaign_launch(campaign, seed="c", at=LAUNCH)
    rows = list(campaign.members.values_list("group", "coupon_code"))
    treated = [code for group, code in rows if group == "treated"]
    assert launched.coupons == len(treated) and None not in treated
    assert len(set(treated)) == len(treated)
    assert all(coupon_campaign(code) == campaign.pk for code in treated)
    assert all(code is None for group, code in rows if group == "holdout")


def test_a_newsletter_issues_no_coupon(base):
    campaign = campaign_create(name="News", segment=base["segment"], offer="newsletter")
    assert campaign_launch(campaign, seed="n").coupons == 0
    assert not campaign.members.exclude(coupon_code=None).exists()


def test_launching_twice_is_refused_and_writes_nothing(base):
    campaign = coupon(base)
    campaign_launch(campaign, seed="a", at=LAUNCH)
    before = list(campaign.members.order_by("pk").values_list("customer_id", "group"))
    with pytest.raises(CampaignRefused, match="was launched already, on 2025-07-01"):
        campaign_launch(campaign, seed="b")
    assert list(campaign.members.order_by("pk").values_list("customer_id", "group")) == before


def test_a_launch_in_the_future_or_of_an_empty_segment_is_refused(base):
    campaign = coupon(base)
    with pytest.raises(CampaignRefused, match="at: a launch recorded with --at is in the past"):
        campaign_launch(campaign, at=timezone.now() + timedelta(hours=1))
    base["segment"].query = "stage=lost&country=XX"
    base["segment"].save()
    with pytest.raises(CampaignRefused, match="has no customers"):
        campaign_launch(campaign)
    campaign.refresh_from_db()
    assert campaign.status == "draft" and not campaign.members.exists()


def test_without_a_seed_one_is_drawn_and_kept(base):
    campaign = coupon(base)
    campaign_launch(campaign)
    campaign.refresh_from_db()
    assert len(campaign.seed) == 16 and campaign.launched_at is not None


def test_a_large_segment_reads_the_same_pre_launch_spend(base, monkeypatch):
    """Past WHOLE_BASE_MEMBERS the spend comes from every customer's orders: the same figures."""
    from daur.actions import campaigns as actions
    from tests.web.factories import customer_make, order_make

    outsider = customer_make("Not in the segment")
    order_make(outsider, at=LAUNCH.replace(month=3), amount="777", lines=0)
    small = coupon(base, name="Small")
    campaign_launch(small, seed="w", at=LAUNCH)
    monkeypatch.setattr(actions, "WHOLE_BASE_MEMBERS", 1)
    large = coupon(base, name="Large")
    campaign_launch(large, seed="w", at=LAUNCH)
    def spend(c):
        return sorted(c.members.values_list("customer_id", "pre_spend"))

    assert spend(small) == spend(large) and len(spend(large)) == 60


@pytest.mark.parametrize("value", ["1e999999999", "-1e999999999", "1e14", "NaN"])
def test_a_number_past_the_money_range_is_refused_not_an_overflow(base, value):
    with pytest.raises(CampaignRefused, match="cost: .* is not a number"):
        coupon(base, cost=value)
    assert not Campaign.objects.exists()
