"""Opening a ticket: its customer is re-scored once it commits (tickets shape "difficult")."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from daur.customers.models import Customer
from daur.insights.realtime import customers_rescore_on_commit
from daur.servicedesk.models import Ticket


@transaction.atomic
def ticket_open(
    *,
    customer: Customer,
    external_id: str,
    kind: str,
    opened_at: datetime,
    priority: str = "normal",
) -> Ticket:
    ticket = Ticket(
        customer=customer,
        external_id=external_id,
        kind=kind,
        opened_at=opened_at,
        priority=priority,
    )
    ticket.full_clean()
    ticket.save()
    customers_rescore_on_commit(customer_ids=[customer.pk])
    return ticket
