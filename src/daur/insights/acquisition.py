"""Customers acquired over a period, by channel and by campaign, and what they cost (SPEC §1.7).

The one home of the acquisition figures: `daur kpi` and the acquisition page both read
`acquisition_compute`. A scope narrows it to one owner's customers (a sales rep's figures) and
to one channel; the whole base, unscoped, is what `daur kpi` reports. The CAC follows
daur.insights.campaign_cost (docs/kpis.md, "Acquisition").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery, Sum

from daur.campaigns.models import Campaign
from daur.customers.models import Customer
from daur.definitions.currency import base_amount
from daur.insights.campaign_cost import campaign_unit_costs
from daur.insights.period import Period
from daur.sales.models import Order


@dataclass(frozen=True)
class Scope:
    """Whose customers and which channel (None / "": all of them)."""

    owner_id: int | None = None
    channel: str = ""

    def customers(self) -> Q:
        """The condition on a customer."""
        return self.of("")

    def of(self, prefix: str) -> Q:
        """The condition on what `prefix` reaches a customer from (e.g. "customer__")."""
        q = Q()
        if self.owner_id is not None:
            q &= Q(**{f"{prefix}owner_id": self.owner_id})
        if self.channel:
            q &= Q(**{f"{prefix}acquired_via": self.channel})
        return q


WHOLE_BASE = Scope()


@dataclass(frozen=True)
class AcquisitionRow:
    """Customers acquired in the period through one channel or campaign, and what they cost."""

    key: str  # the channel, or the campaign's external id ("" = none recorded)
    name: str  # the campaign's name; the channel again for a channel
    acquired: int  # customers created in the period
    buyers: int  # of them, those who have ordered (at any time)
    first_order_value: float  # sum of their first orders
    scored: int  # of them, those with a predicted CLV
    predicted_clv: float | None  # sum of clv_12m over the scored ones
    # A campaign: its whole cost and every customer it acquired over its life (in a scope: the
    # cost its customers in the scope carry, and those customers). A channel: the cost the
    # period's customers of its costed campaigns carry (daur.insights.campaign_cost) and those
    # customers, so both cover the period.
    cost: float | None
    cost_acquired: int
    cac: float | None  # cost / cost_acquired
    clv_to_cac: float | None  # mean predicted CLV of the acquired / cac

    @property
    def first_order_avg(self) -> float | None:
        return ratio(self.first_order_value, self.buyers)

    @property
    def clv_avg(self) -> float | None:
        return ratio(self.predicted_clv, self.scored)


@dataclass(frozen=True)
class Acquisition:
    acquired: int
    by_channel: tuple[AcquisitionRow, ...]
    by_campaign: tuple[AcquisitionRow, ...]


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def acquired_in(period: Period, scope: Scope = WHOLE_BASE):
    """The customers created in the period, in the scope."""
    return Customer.objects.filter(
        scope.customers(), created_at__gte=period.start, created_at__lt=period.end
    )


def acquisition_compute(*, period: Period, scope: Scope = WHOLE_BASE) -> Acquisition:
    """Customers created in the period, by `acquired_via` and by campaign.

    A campaign's CAC is its whole cost over every customer it ever acquired (a cost is not spread
    over time); the campaigns listed are those that acquired a customer in the period or (for
    the whole base) started in it. A channel's cost is what the customers its costed campaigns
    acquired in the period carry (each its campaign's CAC), its CAC that cost over those customers.
    """
    first_value = Subquery(
        Order.objects.filter(customer=OuterRef("pk"), amount__gte=0)
        .order_by("ordered_at", "id")
        .annotate(value=base_amount())
        .values("value")[:1]
    )
    acquired = acquired_in(period, scope).annotate(first_value=first_value)
    figures = {
        "acquired": Count("id"),
        "buyers": Count("first_value"),
        "first_order_value": Sum("first_value"),
        "scored": Count("score__clv_12m"),
        "predicted_clv": Sum("score__clv_12m"),
    }
    by_channel = {r["acquired_via"]: r for r in acquired.values("acquired_via").annotate(**figures)}
    by_campaign = {r["campaign"]: r for r in acquired.values("campaign").annotate(**figures)}
    listed = Q(pk__in=[pk for pk in by_campaign if pk is not None])
    if scope == WHOLE_BASE:
        listed |= Q(started_on__gte=period.date_from, started_on__lte=period.date_to)
    campaigns = list(
        Campaign.objects.filter(listed)
        .annotate(
            all_acquired=Count("acquired_customers"),
            cost_acquired=Count("acquired_customers", filter=scope.of("acquired_customers__")),
        )
        .order_by("external_id")
    )
    campaign_rows = [
        _acquisition_row(
            key=c.external_id,
            name=c.name,
            figures=by_campaign.get(c.pk),
            cost=_cost_carried(c, scope),
            cost_acquired=c.cost_acquired,
        )
        for c in campaigns
    ]
    if None in by_campaign:
        campaign_rows.append(
            _acquisition_row(key="", name="", figures=by_campaign[None], cost=None, cost_acquired=0)
        )
    carried = _carried_by_channel(period, scope)
    channels = {*by_channel, *(c.channel for c in campaigns)}
    if scope.channel:
        channels &= {scope.channel}
    channel_rows = [
        _acquisition_row(
            key=channel,
            name=channel,
            figures=by_channel.get(channel),
            cost=carried[channel][1] if channel in carried else None,
            cost_acquired=carried[channel][0] if channel in carried else 0,
        )
        for channel in sorted(channels)
    ]
    return Acquisition(
        acquired=sum(r["acquired"] for r in by_channel.values()),
        by_channel=tuple(sorted(channel_rows, key=lambda r: (-r.acquired, r.key))),
        by_campaign=tuple(campaign_rows),
    )


def _cost_carried(campaign: Campaign, scope: Scope) -> float | None:
    """The campaign's whole cost; in a scope, the share its customers in the scope carry."""
    if campaign.cost is None:
        return None
    if scope == WHOLE_BASE:
        return float(campaign.cost)
    if not campaign.all_acquired:
        return None
    return float(campaign.cost) * campaign.cost_acquired / campaign.all_acquired


def acquisition_totals(acquisition: Acquisition) -> tuple[float | None, int, float | None]:
    """(the cost the period's acquired customers carry, those customers, the CAC): the sum over
    the channels, so the same rule as each channel's."""
    cost = sum(r.cost for r in acquisition.by_channel if r.cost is not None)
    n = sum(r.cost_acquired for r in acquisition.by_channel)
    return (cost if n else None), n, ratio(cost, n)


def _carried_by_channel(period: Period, scope: Scope) -> dict[str, tuple[int, float]]:
    """Per campaign channel: the customers acquired in the period by its costed acquisition
    campaigns, and the cost they carry."""
    units = campaign_unit_costs()
    rows = (
        acquired_in(period, scope)
        .filter(campaign_id__in=list(units))
        .values("campaign_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    carried: dict[str, tuple[int, float]] = {}
    for row in rows:
        unit = units[row["campaign_id"]]
        n, cost = carried.get(unit.channel, (0, 0.0))
        carried[unit.channel] = (n + row["n"], cost + row["n"] * unit.cost)
    return carried


def _acquisition_row(
    *, key: str, name: str, figures: dict | None, cost: float | None, cost_acquired: int
) -> AcquisitionRow:
    figures = figures or {}
    scored = figures.get("scored", 0)
    clv = figures.get("predicted_clv") if scored else None
    cac = ratio(cost, cost_acquired)
    return AcquisitionRow(
        key=key or "",
        name=name or "",
        acquired=figures.get("acquired", 0),
        buyers=figures.get("buyers", 0),
        first_order_value=float(figures.get("first_order_value") or 0.0),
        scored=scored,
        predicted_clv=clv,
        cost=cost,
        cost_acquired=cost_acquired,
        cac=cac,
        clv_to_cac=ratio(ratio(clv, scored), cac),
    )
