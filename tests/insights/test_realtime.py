"""Real-time re-scoring through the actions, with the stored fit: no refit, same answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from daur.actions.engagement import interaction_record
from daur.actions.interchange import file_import
from daur.actions.sales import LineInput, order_record
from daur.actions.servicedesk import ticket_open
from daur.actions.surveys import survey_answer_record
from daur.customers.models import Customer
from daur.insights.models import CustomerScore, ScoringRun
from daur.insights.services import customers_rescore
from daur.sales.models import Order

from .test_scoring import SCORE_FIELDS

pytestmark = pytest.mark.django_db(transaction=True)


def score_of(customer: Customer) -> tuple:
    return CustomerScore.objects.filter(customer=customer).values_list(*SCORE_FIELDS).get()


def test_rescoring_unchanged_customers_one_by_one_gives_the_batch_answers(scored_business):
    customers = list(Customer.objects.order_by("?")[:60].values_list("pk", flat=True))
    batch = {pk: score_of(Customer(pk=pk)) for pk in customers}
    for pk in customers:
        assert customers_rescore(customer_ids=[pk]) == 1
        again = score_of(Customer(pk=pk))
        assert again[:9] == batch[pk][:9], pk  # stage, types, orientation, loyalty, RFM
        assert again[13:] == batch[pk][13:], pk  # strategy and its reasons
        for got, expected in zip(again[9:13], batch[pk][9:13], strict=True):
            assert (got is None and expected is None) or got == pytest.approx(expected, rel=1e-9), (pk, got, expected)
    assert ScoringRun.objects.count() == 1  # nothing was refitted


def lapsed_customer() -> Customer:
    return Customer.objects.filter(score__lifecycle_stage="lapsed").order_by("pk").first()


def test_a_new_order_rescores_its_customer_at_once_and_records_a_regain(scored_business):
    customer = lapsed_customer()
    before = score_of(customer)
    when = datetime(2026, 10, 31, 12, tzinfo=UTC)
    for n in range(2):
        order_record(
            customer=customer, external_id=f"RT-{n}", ordered_at=when - timedelta(days=n * 20),
            lines=[LineInput(sku="KIT-0001", quantity=Decimal(1), unit_price=Decimal(500000))],
        )
    after = CustomerScore.objects.get(customer=customer)
    assert after.realtime and after.lifecycle_stage != "lapsed"
    assert after.p_alive > before[SCORE_FIELDS.index("p_alive")]
    change = customer.stage_changes.order_by("-id").first()
    assert change.from_stage == "lapsed" and change.regained
    assert ScoringRun.objects.count() == 1
    assert Order.objects.get(external_id="RT-0").amount == Decimal(500000)


def test_tickets_answers_and_interactions_rescore_too(scored_business):
    customer = Customer.objects.filter(score__lifecycle_stage="retention").order_by("pk").first()
    when = datetime(2026, 10, 30, tzinfo=UTC)
    ticket_open(customer=customer, external_id="RT-T1", kind="complaint", opened_at=when)
    ticket_open(customer=customer, external_id="RT-T2", kind="complaint", opened_at=when)
    assert "difficult" in CustomerScore.objects.get(customer=customer).type_list
    survey_answer_record(customer=customer, answered_at=when, nps=2)
    interaction_record(customer=customer, kind="visit", occurred_at=when)
    assert CustomerScore.objects.get(customer=customer).realtime


def test_a_small_import_rescores_the_customers_it_touched(scored_business, tmp_path):
    customer = lapsed_customer()
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,ordered_at,amount\n"
        f"IMP-1,{customer.external_id},2026-10-20,100000\n"
        f"IMP-2,{customer.external_id},2026-10-30,100000\n",
        encoding="utf-8",
    )
    result = file_import(kind="orders", path=path)
    assert "Re-scored 1 customers" in result.report()
    assert CustomerScore.objects.get(customer=customer).lifecycle_stage != "lapsed"


def test_without_a_scoring_run_nothing_is_rescored(demo_business):
    customer = Customer.objects.order_by("pk").first()
    assert customers_rescore(customer_ids=[customer.pk]) == 0
    assert not CustomerScore.objects.exists()


def test_the_explanation_gives_the_evidence_behind_the_stored_answers(scored_business, client):
    from daur.accounts.models import User
    from daur.insights.explain import customer_explanation

    score = CustomerScore.objects.exclude(types="").exclude(strategy="").order_by("pk").first()
    explained = customer_explanation(customer_id=score.customer_id)
    assert explained.stage == score.lifecycle_stage and explained.stage_evidence
    assert set(explained.types) == set(score.type_list)
    assert all(explained.types[label] for label in explained.types)
    assert explained.strategy == score.strategy and explained.strategy_evidence and explained.actions
    assert explained.loyalty_score == score.loyalty_score
    assert sum(c.met for c in explained.loyalty) == score.loyalty_score
    client.force_login(User.objects.create_user("boss", password="x", role="manager"))
    page = client.get(f"/customers/{score.customer_id}/")
    assert page.status_code == 200
    assert explained.strategy_evidence[0].text.split(" ")[0].encode() in page.content
