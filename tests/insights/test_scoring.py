"""`daur score` on a generated business: the behaviours in its events come back; runs repeat."""

from __future__ import annotations

import collections
from datetime import date

import pytest
from django.conf import settings

from daur.analytics.lifecycle import LIFECYCLE_STAGES
from daur.analytics.typology import TYPE_LABELS
from daur.customers.models import Customer
from daur.demo.generate import generate_business
from daur.insights.models import CustomerScore, ScoringRun, StageChange
from daur.insights.services import scores_compute

from ..demo.behaviour import Events, behaviours, read_business
from .conftest import DEMO_CUSTOMERS, DEMO_SEED

pytestmark = pytest.mark.django_db
SCORE_FIELDS = (
    "customer_id", "lifecycle_stage", "types", "orientation", "loyalty_score", "rfm_r", "rfm_f",
    "rfm_m", "rfm_segment", "p_alive", "expected_orders_90d", "expected_order_value", "clv_12m",
    "strategy", "strategy_reasons",
)
LABELS = set(TYPE_LABELS) | set(LIFECYCLE_STAGES) | {"cost", "value", "technology"}


def score_table() -> list[tuple]:
    return list(CustomerScore.objects.order_by("customer_id").values_list(*SCORE_FIELDS))


def test_every_customer_gets_every_answer(scored_business):
    run = scored_business
    assert run.status == "succeeded" and not run.rules_only
    assert run.n_customers == Customer.objects.count() == CustomerScore.objects.count()
    assert run.as_of == date(2026, 10, 31)  # the latest event of the demo business
    assert set(run.fits) == {"bgnbd", "ggamma"}
    assert all(fit["converged"] for fit in run.fits.values())
    buyers = CustomerScore.objects.exclude(rfm_segment="")
    assert buyers.count() == run.n_buyers > 0
    assert not buyers.filter(p_alive__isnull=True).exists()
    assert not buyers.filter(clv_12m__isnull=True).exists()
    for p_alive in buyers.values_list("p_alive", flat=True):
        assert 0.0 <= p_alive <= 1.0
    strategies = CustomerScore.objects.exclude(strategy="")
    assert strategies.count() > run.n_customers / 2
    assert not strategies.filter(strategy_reasons="").exists()


def test_the_behaviours_in_the_events_are_recovered(scored_business, tmp_path):
    # The truth: SPEC §1's rules applied here, customer by customer, to the rows the generator
    # wrote (the same seed writes the same rows that demo_load imported); the demo stores no
    # answer of its own.
    generate_business(customers=DEMO_CUSTOMERS, seed=DEMO_SEED, directory=tmp_path)
    events = Events(read_business(tmp_path), rates=settings.DAUR_EXCHANGE_RATES)
    truth = behaviours(events)
    given, p_alive = collections.defaultdict(set), {}
    rows = Customer.objects.values_list(
        "external_id", "score__lifecycle_stage", "score__types", "score__orientation",
        "score__p_alive",
    )
    for customer, stage, types, orientation, p in rows:
        p_alive[customer] = p
        for label in {*types.split(";"), stage, orientation} & LABELS:
            given[label].add(customer)
    # The events show every type but high_future_value (a model output), the prospect and
    # lapsed/lost stages, and every orientation, each in enough customers to count.
    assert set(truth) == LABELS - {"high_future_value", "conversion", "retention", "inspiration"}
    assert min(len(who) for who in truth.values()) >= 20, {k: len(v) for k, v in truth.items()}
    # What the events decide alone must come back exactly: no customer missed, none extra.
    for label in set(truth) - {"loyal", "lapsed", "lost"}:
        assert given[label] == truth[label], (label, truth[label] ^ given[label])
    # P(alive) may also make a customer lapsed or lost (below 0.5), or keep a loyal one from the
    # label; the silence in the events alone must put a customer there.
    assert truth["lost"] <= given["lost"]
    assert truth["lapsed"] <= given["lapsed"] | given["lost"]
    assert len(truth["lapsed"] & given["lapsed"]) >= 0.9 * len(truth["lapsed"])
    by_model = (given["lapsed"] | given["lost"]) - truth["lapsed"] - truth["lost"]
    assert all(p_alive[c] < 0.5 for c in by_model)
    assert len(truth["loyal"] & given["loyal"]) >= 0.9 * len(truth["loyal"])
    assert all(events.loyalty(c) >= 3 for c in given["loyal"])


def test_a_second_run_is_deterministic_and_records_no_stage_change(scored_business):
    first = score_table()
    changes = StageChange.objects.count()
    assert changes == Customer.objects.count()  # the first run gives everyone a stage
    scores_compute()
    assert score_table() == first
    assert StageChange.objects.count() == changes
    assert ScoringRun.objects.filter(status="succeeded").count() == 2


def test_scoring_as_of_an_earlier_date_leaves_later_orders_out(demo_business):
    run = scores_compute(as_of=date(2026, 6, 30))
    assert run.as_of == date(2026, 6, 30)
    assert run.events_after_as_of["orders"] > 0
    later = scores_compute()
    assert later.as_of == date(2026, 10, 31)
    # Customers who came back after lapsing in between are regained.
    assert StageChange.objects.filter(run=later, regained=True).exists()
    regained = StageChange.objects.filter(run=later, regained=True).first()
    assert regained.from_stage in {"lapsed", "lost"}
    assert regained.to_stage in {"conversion", "retention", "inspiration"}
