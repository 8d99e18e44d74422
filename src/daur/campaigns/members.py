"""Campaign members after a merge of customers (daur.actions.customers_merge): a customer in two
arms of one campaign cannot be read out, and one counted twice in one arm is counted once."""

from __future__ import annotations

from django.db.models import Count

from daur.campaigns.models import CampaignMember


def members_flag_merged(
    *, customer_id: int, merge_id: int, moved_ids: list[int], duplicate_external_id: str
) -> int:
    """Leave out of each campaign's read-out what the merge into `customer_id` made ambiguous:
    both memberships when the two customers were in different arms, the merged one's when they
    were in the same arm (its orders now count for the one kept); `moved_ids`: the memberships the
merge moved. Returns how many were flagged."""
    if not moved_ids:
        return 0
    mine = CampaignMember.objects.filter(customer_id=customer_id, excluded=False)
    twice = (
        mine.values("campaign_id")
        .annotate(n=Count("id"), arms=Count("group", distinct=True))
        .filter(n__gt=1)
    )
    flagged = 0
    for row in twice:
        rows = mine.filter(campaign_id=row["campaign_id"])
        if row["arms"] > 1:
            reason = (
                f"merged with customer {duplicate_external_id}, who was in the other arm: "
                "in both arms, so in neither read-out"
            )
        else:
            rows = rows.filter(pk__in=moved_ids)
            reason = f"merged from customer {duplicate_external_id} in the same arm: counted once"
        flagged += rows.update(excluded=True, excluded_reason=reason, excluded_by_merge=merge_id)
    return flagged


def members_unflag_merge(merge_id: int) -> int:
    """Take back what `members_flag_merged` did for a merge that is undone."""
    return CampaignMember.objects.filter(excluded_by_merge=merge_id).update(
        excluded=False, excluded_reason="", excluded_by_merge=None
    )
