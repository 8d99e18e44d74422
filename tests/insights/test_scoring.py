"""`daur score` on a generated business: planted behaviours come back, runs are deterministic."""

from __future__ import annotations

import collections
from datetime import date

import pytest

from daur.analytics.lifecycle import LIFECYCLE_STAGES
from daur.analytics.typology import TYPE_LABELS
from daur.customers.models import Customer
from daur.insights.models import CustomerScore, ScoringRun, StageChange
from daur.insights.services import scores_compute

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
    assert set(run.fits) == {
        "purchase_model", "bgnbd", "mbgnbd", "pareto", "ggamma", "selection", "calibration_plot",
        "fallbacks", "notes",
    }
    chosen = run.fits["purchase_model"]
    assert chosen in ("mbgnbd", "pareto") and chosen == run.fits["selection"]["chosen"]
    for name in (chosen, "ggamma"):
        assert run.fits[name]["converged"] or run.fits[name]["method"] == "boundary"
    buyers = CustomerScore.objects.exclude(rfm_segment="")
    assert buyers.count() == run.n_buyers > 0
    assert not buyers.filter(p_alive__isnull=True).exists()
    assert not buyers.filter(clv_12m__isnull=True).exists()
    for p_alive in buyers.values_list("p_alive", flat=True):
        assert 0.0 <= p_alive <= 1.0
    strategies = CustomerScore.objects.exclude(strategy="")
    assert strategies.count() > run.n_customers / 2
    assert not strategies.filter(strategy_reasons="").exists()


def test_the_planted_behaviours_are_recovered(scored_business):
    found, planted = collections.Counter(), collections.Counter()
    rows = Customer.objects.values_list(
        "custom_fields", "score__lifecycle_stage", "score__types", "score__orientation"
    )
    for custom, stage, types, orientation in rows:
        labels = set(types.split(";")) | {stage, orientation}
        for persona in custom["persona"].split(";"):
            if persona in LABELS:
                planted[persona] += 1
                found[persona] += persona in labels
    # The generator plants every type but high_future_value (a model output, not a behaviour),
    # the prospect and lapsed/lost stages, and every orientation.
    assert set(planted) == LABELS - {"high_future_value", "conversion", "retention", "inspiration"}
    recall = {label: found[label] / planted[label] for label in planted}
    assert min(recall.values()) >= 0.9, recall


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
