"""`campaign_report`: the read-out against figures computed by hand on a small base."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats import proportion

from daur.actions.campaigns import campaign_create, campaign_launch
from daur.insights.campaign_report import NotLaunched, campaign_report, member_rows
from tests.campaigns.conftest import LAUNCH
from tests.web.factories import order_make, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def outcome(base):
    """A launched coupon campaign (hold-out half) and orders around its window: five treated
    members buy 200,000 in the window (the first twice, +100,000), two of the hold-out 150,000;
    orders before the launch and after the window do not count."""
    campaign = campaign_create(
        name="C", segment=base["segment"], offer="coupon", holdout=0.5, discount_percent=5,
        cost="250000",
    )
    campaign_launch(campaign, seed="r", at=LAUNCH)
    arms = dict(campaign.members.values_list("customer_id", "group"))
    treated = [c for c in base["customers"] if arms[c.pk] == "treated"]
    held = [c for c in base["customers"] if arms[c.pk] == "holdout"]
    for customer in treated[:5]:
        order_make(customer, at=LAUNCH + timedelta(days=3), amount="200000", lines=0)
    order_make(treated[0], at=LAUNCH + timedelta(days=29, hours=23), amount="100000", lines=0)
    order_make(treated[5], at=LAUNCH + timedelta(days=30), amount="900000", lines=0)  # after
    order_make(treated[6], at=LAUNCH - timedelta(minutes=1), amount="900000", lines=0)  # before
    for customer in held[:2]:
        order_make(customer, at=LAUNCH + timedelta(days=10), amount="150000", lines=0)
    campaign.members.filter(customer=treated[1]).update(redeemed_at=LAUNCH + timedelta(days=3))
    return campaign, treated, held


def spends(n, paid):
    values = np.zeros(n)
    values[: len(paid)] = paid
    return values


def test_the_groups_and_uplift_match_hand_computed_figures(outcome, small_rules):
    campaign, treated, held = outcome
    nt, nh = len(treated), len(held)
    report = campaign_report(campaign)
    data = report.to_json()
    assert data["groups"]["treated"] == {
        "members": nt, "converted": 5, "conversion_rate": pytest.approx(5 / nt),
        "spend_per_member": pytest.approx(1_100_000 / nt), "redemptions": 1,
    }
    assert data["groups"]["holdout"] == {
        "members": nh, "converted": 2, "conversion_rate": pytest.approx(2 / nh),
        "spend_per_member": pytest.approx(300_000 / nh), "redemptions": 0,
    }
    conversion = data["uplift"]["conversion"]
    assert conversion["estimate"] == pytest.approx(5 / nt - 2 / nh)
    assert conversion["p_value"] == pytest.approx(
        proportion.test_proportions_2indep(5, nt, 2, nh, method="score").pvalue, rel=1e-6
    )
    spend_t = spends(nt, [300_000, 200_000, 200_000, 200_000, 200_000])
    spend_h = spends(nh, [150_000, 150_000])
    welch = stats.ttest_ind(spend_t, spend_h, equal_var=False)
    spend = data["uplift"]["spend_per_member"]
    assert spend["estimate"] == pytest.approx(1_100_000 / nt - 300_000 / nh)
    assert spend["p_value"] == pytest.approx(welch.pvalue)
    assert spend["ci_low"] == pytest.approx(welch.confidence_interval().low)
    assert data["incremental_revenue"] == pytest.approx((1_100_000 / nt - 300_000 / nh) * nt)
    assert data["cost"] == 250_000 and data["measurable"] is True and data["reason"] is None
    assert data["campaign_id"] == campaign.external_id
    assert data["launched_at"] == LAUNCH.isoformat() and data["window_days"] == 30


def test_the_json_has_the_spec_shape(outcome):
    campaign, _, _ = outcome
    data = campaign_report(campaign).to_json()
    for key in ("campaign_id", "launched_at", "window_days", "groups", "uplift",
                "incremental_revenue", "cost", "measurable", "reason"):
        assert key in data
    assert set(data["groups"]) == {"treated", "holdout"}
    for group in data["groups"].values():
        assert set(group) == {
            "members", "converted", "conversion_rate", "spend_per_member", "redemptions"
        }
    assert set(data["uplift"]) == {"conversion", "spend_per_member"}
    for estimate in data["uplift"].values():
        assert set(estimate) == {"estimate", "ci_low", "ci_high", "p_value"}


def test_a_small_campaign_says_it_cannot_be_measured(outcome):
    campaign, treated, held = outcome
    data = campaign_report(campaign).to_json()
    assert data["measurable"] is False
    # Both groups are under 100: the treated one is named first.
    assert data["reason"] == f"the treated group has {len(treated)} members, fewer than the 100 needed"
    assert data["uplift"]["conversion"]["ci_low"] is None
    assert data["uplift"]["conversion"]["estimate"] is not None


def test_the_balance_and_clv_uplift(outcome, small_rules, base):
    campaign, treated, held = outcome
    report = campaign_report(campaign)
    by_pk = {c.pk: n for n, c in enumerate(base["customers"])}
    pre_t = [100_000 * (by_pk[c.pk] + 1) for c in treated]
    pre_h = [100_000 * (by_pk[c.pk] + 1) for c in held]
    assert report.balance["pre_spend"].treated == pytest.approx(np.mean(pre_t))
    assert report.balance["pre_spend"].holdout == pytest.approx(np.mean(pre_h))
    clv_t = [1000.0 * by_pk[c.pk] for c in treated]
    clv_h = [1000.0 * by_pk[c.pk] for c in held]
    assert report.clv.estimate == pytest.approx(np.mean(clv_t) - np.mean(clv_h))
    assert report.clv.ci_low < report.clv.estimate < report.clv.ci_high


def test_a_sales_rep_sees_the_figures_of_their_own_customers(outcome, small_rules):
    campaign, treated, held = outcome
    rep = user_make("rep")
    mine = [treated[0], treated[1], held[0], held[5]]
    for customer in mine:
        customer.owner = rep
        customer.save()
    data = campaign_report(campaign, user=rep).to_json()
    assert data["groups"]["treated"]["members"] == 2
    assert data["groups"]["treated"]["converted"] == 2
    assert data["groups"]["holdout"]["members"] == 2
    assert data["groups"]["holdout"]["converted"] == 1
    assert data["own_customers_only"] is True


def test_excluded_members_are_left_out(outcome, small_rules):
    campaign, treated, _ = outcome
    campaign.members.filter(customer=treated[0]).update(excluded=True, excluded_reason="x")
    data = campaign_report(campaign).to_json()
    assert data["groups"]["treated"]["converted"] == 4 and data["excluded"] == 1


def test_a_draft_has_no_report(base):
    campaign = campaign_create(name="D", segment=base["segment"], offer="newsletter")
    with pytest.raises(NotLaunched, match="is not launched yet"):
        campaign_report(campaign)


def test_the_member_rows_of_the_export(outcome):
    campaign, treated, held = outcome
    rows = {row[1]: row for row in member_rows(campaign)}
    assert len(rows) == len(treated) + len(held)
    first = rows[treated[0].external_id]
    assert first[0] == campaign.external_id and first[2] == "treated" and first[3]
    assert first[5] == LAUNCH + timedelta(days=3) and first[6] == pytest.approx(300_000)
    assert rows[treated[5].external_id][5:] == (None, 0.0)
    assert rows[held[0].external_id][2:4] == ("holdout", None)
