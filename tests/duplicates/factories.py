"""A customer with one record of every kind that points at customers, for the merge tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from daur.customers.models import Consumer, Customer
from daur.engagement.models import Interaction
from daur.insights.models import CustomerScore, StageChange
from daur.leads.models import Lead
from daur.sales.models import Order
from daur.servicedesk.models import Ticket
from daur.surveys.models import SurveyAnswer

_ids = itertools.count(1)
BASE = datetime(2025, 3, 1, 9, tzinfo=UTC)


def customer(external_id: str, name: str = "", **fields) -> Customer:
    return Customer.objects.create(external_id=external_id, name=name or external_id, **fields)


def related_everything(who: Customer, *, scored: bool = True) -> dict:
    """One record of each relation to `who`; returns {relation label: [pks]}."""
    n = next(_ids)
    at = BASE + timedelta(days=n)
    order = Order.objects.create(
        external_id=f"O{n}", customer=who, ordered_at=at, amount=Decimal("10"), currency="IDR"
    )
    resold = Order.objects.create(
        external_id=f"R{n}",
        customer=customer(f"END{n}"),
        reseller=who,
        ordered_at=at,
        amount=Decimal("5"),
        currency="IDR",
    )
    interaction = Interaction.objects.create(
        customer=who, kind="call", occurred_at=at, natural_key=f"{who.external_id}|call|{n}"
    )
    ticket = Ticket.objects.create(external_id=f"T{n}", customer=who, kind="request", opened_at=at)
    answer = SurveyAnswer.objects.create(customer=who, answered_at=at, nps=9)
    consumer = Consumer.objects.create(customer=who, name=f"Child {n}")
    referral = customer(f"REF{n}", referred_by=who)
    lead = Lead.objects.create(
        external_id=f"LD{n}",
        name="x",
        source="referral",
        stage="won",
        converted_customer=who,
        converted_at=timezone.now(),
    )
    if scored:
        CustomerScore.objects.create(
            customer=who, as_of=at.date(), lifecycle_stage="retention", scored_at=timezone.now()
        )
    StageChange.objects.create(customer=who, changed_on=at.date(), to_stage="retention")
    return {
        "sales.Order.customer": [order.pk],
        "sales.Order.reseller": [resold.pk],
        "engagement.Interaction.customer": [interaction.pk],
        "servicedesk.Ticket.customer": [ticket.pk],
        "surveys.SurveyAnswer.customer": [answer.pk],
        "customers.Consumer.customer": [consumer.pk],
        "customers.Customer.referred_by": [referral.pk],
        "leads.Lead.converted_customer": [lead.pk],
    }
