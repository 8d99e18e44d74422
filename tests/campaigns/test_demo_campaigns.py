"""The demo's past campaigns: launched as history with their hold-outs, the coupon campaign's
uplift measurable and positive, the newsletter's interval around nothing planted."""

from __future__ import annotations

import pytest

from daur.campaigns.models import Campaign
from daur.demo.load import demo_load
from daur.insights.campaign_report import campaign_report

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_coupon_campaign_that_measurably_worked(small_rules):
    demo_load(customers=600, seed=7, campaigns=True)
    coupon = Campaign.objects.get(offer="coupon", status="launched")
    newsletter = Campaign.objects.get(offer="newsletter", status="launched")
    assert coupon.recorded_launch and newsletter.recorded_launch  # history: nothing was sent
    report = campaign_report(coupon).to_json()
    treated, holdout = report["groups"]["treated"], report["groups"]["holdout"]
    assert treated["redemptions"] > 0 and holdout["redemptions"] == 0
    assert report["measurable"]
    assert report["uplift"]["conversion"]["ci_low"] > 0
    news = campaign_report(newsletter).to_json()
    again = news["uplift"]["conversion"]
    assert not news["measurable"] or again["ci_low"] < 0 < again["ci_high"]
    # a second fill adds nothing
    demo_load(customers=600, seed=7, campaigns=True)
    assert Campaign.objects.filter(status="launched").count() == 2
