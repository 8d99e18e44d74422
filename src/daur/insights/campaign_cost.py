"""What acquiring a customer cost: the one rule behind every CAC (docs/kpis.md, "Acquisition").

An acquisition campaign's cost is shared equally by every customer it acquired over its whole
life: each of them carries the campaign's unit cost (cost / customers it acquired). The cost of a
group of customers — a channel's, a period's, a sales rep's — is the sum of its members' unit
costs, and its CAC that sum over the members acquired by a campaign with a cost. So a rep who owns
2 of the 10 customers of a 1,000 campaign carries 200 of its cost, and a CAC never divides one
group's cost by another group's customers. Campaigns without a recorded cost carry none, and
their customers are left out of the CAC's denominator too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from daur.campaigns.models import Campaign


@dataclass(frozen=True, slots=True)
class UnitCost:
    channel: str  # the campaign's channel
    cost: float  # the campaign's cost / the customers it acquired


def campaign_unit_costs() -> dict[int, UnitCost]:
    """Per acquisition campaign with a cost and at least one acquired customer (by its key): its
    channel and its cost per acquired customer."""
    rows = (
        Campaign.objects.filter(purpose="acquisition", cost__isnull=False)
        .annotate(acquired=Count("acquired_customers"))
        .filter(acquired__gt=0)
        .values_list("pk", "channel", "cost", "acquired")
    )
    return {pk: UnitCost(channel, float(cost) / n) for pk, channel, cost, n in rows}
