"""The actions: each writes all or nothing and re-scores its customer exactly once, after the
commit, and never for a write that was rolled back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import transaction

from daur.actions import engagement, sales, servicedesk, surveys
from daur.actions.engagement import interaction_record
from daur.actions.sales import LineInput, order_record
from daur.actions.servicedesk import ticket_open
from daur.actions.surveys import survey_answer_record
from daur.customers.models import Customer
from daur.engagement.models import Interaction
from daur.leads.models import Lead
from daur.sales.models import Order, OrderLine
from daur.servicedesk.models import Ticket
from daur.surveys.models import SurveyAnswer
from tests.web.factories import customer_make, product_make

from .conftest import Boom

pytestmark = pytest.mark.django_db(transaction=True)

WHEN = datetime(2026, 10, 30, 9, tzinfo=UTC)


def an_order(customer: Customer) -> Order:
    product_make("SKU-1")
    product_make("SKU-2")
    return order_record(
        customer=customer,
        external_id="A-1",
        ordered_at=WHEN,
        lines=[
            LineInput(sku="SKU-1", quantity=Decimal(2), unit_price=Decimal(1000)),
            LineInput(sku="SKU-2", quantity=Decimal(1), unit_price=Decimal(500)),
        ],
    )


# Each action: its module (whose re-score scheduling a test can break), what it writes, the call.
ACTIONS = {
    "order": (sales, [Order, OrderLine], an_order),
    "interaction": (
        engagement,
        [Interaction],
        lambda c: interaction_record(customer=c, kind="visit", occurred_at=WHEN),
    ),
    "ticket": (
        servicedesk,
        [Ticket],
        lambda c: ticket_open(customer=c, external_id="T-1", kind="complaint", opened_at=WHEN),
    ),
    "survey answer": (
        surveys,
        [SurveyAnswer],
        lambda c: survey_answer_record(customer=c, answered_at=WHEN, nps=9),
    ),
}


def nothing_written(models: list) -> bool:
    return not any(model.objects.exists() for model in models)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_an_action_rescores_its_customer_once_after_the_commit(name, rescored):
    _, models, act = ACTIONS[name]
    customer = customer_make()
    with transaction.atomic():
        act(customer)
        assert rescored == []  # nothing before the commit
    assert rescored == [[customer.pk]]
    assert all(model.objects.exists() for model in models)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_an_action_its_caller_rolls_back_writes_and_rescores_nothing(name, rescored):
    _, models, act = ACTIONS[name]
    customer = customer_make()
    with pytest.raises(Boom), transaction.atomic():
        act(customer)
        raise Boom
    assert rescored == []
    assert nothing_written(models)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_an_action_failing_after_its_writes_leaves_nothing_written(name, rescored, monkeypatch):
    module, models, act = ACTIONS[name]
    customer = customer_make()

    def fail(**kwargs):  # noqa: ANN003, ANN202 - the last step of every action
        raise Boom

    monkeypatch.setattr(module, "customers_rescore_on_commit", fail)
    with pytest.raises(Boom):
        act(customer)
    assert nothing_written(models)
    assert rescored == []


def test_an_order_with_an_unknown_sku_writes_no_order(rescored):
    customer = customer_make()
    product_make("SKU-1")
    lines = [
        LineInput(sku="SKU-1", quantity=Decimal(1), unit_price=Decimal(1000)),
        LineInput(sku="NO-SUCH", quantity=Decimal(1), unit_price=Decimal(1000)),
    ]
    with pytest.raises(ValueError, match="unknown SKU"):
        order_record(customer=customer, external_id="A-2", ordered_at=WHEN, lines=lines)
    assert nothing_written([Order, OrderLine])
    assert rescored == []


def test_an_order_amount_defaults_to_its_lines_less_the_discount(rescored):
    customer = customer_make()
    product_make("SKU-1")
    order = order_record(
        customer=customer,
        external_id="A-3",
        ordered_at=WHEN,
        discount_amount=Decimal(300),
        lines=[LineInput(sku="SKU-1", quantity=Decimal(3), unit_price=Decimal(1000))],
    )
    assert Order.objects.get(pk=order.pk).amount == Decimal(2700)


def test_a_bad_ticket_or_answer_writes_nothing(rescored):
    customer = customer_make()
    with pytest.raises(Exception, match="kind"):
        ticket_open(customer=customer, external_id="T-2", kind="praise", opened_at=WHEN)
    with pytest.raises(ValueError, match="NPS"):
        survey_answer_record(customer=customer, answered_at=WHEN, nps=11)
    assert nothing_written([Ticket, SurveyAnswer])
    assert rescored == []


def test_an_interaction_with_a_lead_alone_rescores_no_one(rescored):
    lead = Lead.objects.create(external_id="L-1", name="Sari", source="referral")
    interaction_record(lead=lead, kind="call", occurred_at=WHEN)
    assert Interaction.objects.filter(lead=lead).exists()
    assert rescored == []
