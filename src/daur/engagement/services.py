"""Writes of engagement: an interaction with a customer re-scores that customer in real time."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction

from daur.customers.models import Customer
from daur.engagement.models import Interaction, interaction_natural_key
from daur.leads.models import Lead


@transaction.atomic
def interaction_record(
    *,
    kind: str,
    occurred_at: datetime,
    customer: Customer | None = None,
    lead: Lead | None = None,
    channel: str = "",
    user=None,  # noqa: ANN001 - a User or None
    note: str = "",
    due_at: datetime | None = None,
    done: bool = True,
    outcome: str = "",
) -> Interaction:
    from daur.insights.realtime import customers_rescore_on_commit, leads_rescore_on_commit

    if customer is None and lead is None:
        raise ValueError("an interaction is with a customer or a lead")
    key = interaction_natural_key(
        customer_id=customer.external_id if customer else None,
        lead_id=lead.external_id if lead else None,
        kind=kind,
        occurred_at_utc=str(occurred_at.astimezone(UTC).replace(tzinfo=None)),
    )
    interaction = Interaction.objects.create(
        customer=customer,
        lead=lead,
        kind=kind,
        occurred_at=occurred_at,
        channel=channel,
        user=user,
        note=note,
        due_at=due_at,
        done=done,
        outcome=outcome,
        natural_key=key,
    )
    if customer is not None:
        customers_rescore_on_commit(customer_ids=[customer.pk])
    if lead is not None:
        leads_rescore_on_commit(lead_ids=[lead.pk])
    return interaction
