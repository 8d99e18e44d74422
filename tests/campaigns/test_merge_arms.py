"""A merge of customers from different arms of a campaign leaves both out of its read-out."""

from __future__ import annotations

import pytest

from daur.actions.campaigns import campaign_create, campaign_launch
from daur.actions.customers_merge import customer_merge, customer_merge_undo
from daur.campaigns.models import CampaignMember
from tests.campaigns.conftest import LAUNCH

pytestmark = pytest.mark.django_db


@pytest.fixture
def launched(base):
    campaign = campaign_create(name="N", segment=base["segment"], offer="newsletter", holdout=0.5)
    campaign_launch(campaign, seed="m", at=LAUNCH)
    arms = dict(campaign.members.values_list("customer_id", "group"))
    by_arm = {"treated": [], "holdout": []}
    for customer in base["customers"]:
        by_arm[arms[customer.pk]].append(customer)
    return campaign, by_arm


def test_a_merge_across_arms_flags_both_with_the_reason(launched):
    campaign, arms = launched
    keep, dup = arms["treated"][0], arms["holdout"][0]
    [merge] = customer_merge(keep_id=keep.external_id, duplicate_ids=[dup.external_id])
    rows = CampaignMember.objects.filter(campaign=campaign, customer=keep)
    assert sorted(rows.values_list("group", "excluded")) == [
        ("holdout", True), ("treated", True)
    ]
    assert all(
        f"merged with customer {dup.external_id}, who was in the other arm" in r.excluded_reason
        for r in rows
    )
    assert campaign.members.filter(excluded=True).count() == 2
    customer_merge_undo(merge_id=merge.pk)
    assert not campaign.members.filter(excluded=True).exists()
    assert campaign.members.get(customer__external_id=dup.external_id).group == "holdout"


def test_a_merge_within_one_arm_counts_the_customer_once(launched):
    campaign, arms = launched
    keep, dup = arms["treated"][:2]
    moved_id = campaign.members.get(customer=dup).pk
    customer_merge(keep_id=keep.external_id, duplicate_ids=[dup.external_id])
    rows = dict(campaign.members.filter(customer=keep).values_list("pk", "excluded"))
    assert rows[moved_id] is True and list(rows.values()).count(False) == 1


def test_a_merge_with_a_non_member_flags_nothing(launched, base):
    campaign, arms = launched
    from tests.web.factories import customer_make

    outsider = customer_make("Outside")
    customer_merge(keep_id=outsider.external_id, duplicate_ids=[arms["holdout"][0].external_id])
    assert not campaign.members.filter(excluded=True).exists()
    assert campaign.members.get(customer=outsider).group == "holdout"
