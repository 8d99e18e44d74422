"""`daur score` on a generated business: the behaviours in its events come back; runs repeat."""

from __future__ import annotations

import collections
from datetime import date

import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone

from daur.analytics.lifecycle import LIFECYCLE_STAGES
from daur.analytics.rules_config import RulesConfig
from daur.analytics.typology import TYPE_LABELS
from daur.customers.models import Customer
from daur.demo.generate import generate_business
from daur.insights.models import CustomerScore, ScoringRun, StageChange
from daur.insights.services import scores_compute
from daur.sales.models import Order

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
    assert run.status == "scored" and not run.rules_only
    assert run.n_customers == Customer.objects.count() == CustomerScore.objects.count()
    assert run.as_of == date(2026, 10, 31)  # the latest event of the demo business
    chosen = run.fits["purchase_model"]
    assert chosen in ("mbgnbd", "pareto") and chosen == run.fits["selection"]["chosen"]
    # The candidates were compared on the calibration period; the whole base fits the chosen.
    assert set(run.fits["selection"]["candidates"]) == {"bgnbd", "mbgnbd", "pareto"}
    assert set(run.fits) == {
        "purchase_model", chosen, "ggamma", "selection", "calibration_plot", "fallbacks", "notes",
    }
    for name in (chosen, "ggamma"):
        assert run.fits[name]["converged"] or run.fits[name]["method"] == "boundary"
    buyers = CustomerScore.objects.exclude(rfm_segment="")
    assert buyers.count() == run.n_buyers > 0
    assert not buyers.filter(p_alive__isnull=True).exists()
    assert not buyers.filter(clv_12m__isnull=True).exists()
    for p_alive in buyers.values_list("p_alive", flat=True):
        assert 0.0 <= p_alive <= 1.0
    strategies = CustomerScore.objects.exclude(strategy="")
    assert strategies.count() >= run.n_buyers
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
    assert ScoringRun.objects.filter(status="scored").count() == 2


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


def purchase_days() -> dict[int, set]:
    """Each customer's purchase days (positive amounts), counted here from the orders."""
    days: dict[int, set] = collections.defaultdict(set)
    for pk, moment in Order.objects.filter(amount__gt=0).values_list("customer_id", "ordered_at"):
        days[pk].add(timezone.localtime(moment).date())
    return days


def test_one_time_buyers_fade_with_time_and_are_not_worth_more_than_repeat_buyers(
    scored_business,
):
    run = scored_business
    days = purchase_days()
    scores = {
        pk: (stage, p_alive, clv)
        for pk, stage, p_alive, clv in CustomerScore.objects.values_list(
            "customer_id", "lifecycle_stage", "p_alive", "clv_12m"
        )
    }
    one_time = [pk for pk, d in days.items() if len(d) == 1 and max(d) <= run.as_of]
    repeat_2_4 = [pk for pk, d in days.items() if 2 <= len(d) <= 4]
    assert len(one_time) >= 20 and len(repeat_2_4) >= 20

    def mean_clv(pks):
        return sum(scores[pk][2] for pk in pks) / len(pks)

    assert mean_clv(one_time) < mean_clv(repeat_2_4)
    # P(alive) falls with the days since the one order (rank correlation close to -1) ...
    since = [(run.as_of - max(days[pk])).days for pk in one_time]
    p_alive = [scores[pk][1] for pk in one_time]
    rank_since = np.argsort(np.argsort(since))
    rank_p = np.argsort(np.argsort(p_alive))
    assert np.corrcoef(rank_since, rank_p)[0, 1] < -0.95
    # ... and a lost one-time buyer is not alive by the model either.
    lost = [scores[pk][1] for pk in one_time if scores[pk][0] == "lost"]
    assert lost and max(lost) < 0.5


def test_every_buyer_has_one_strategy_and_the_labels_agree_with_their_evidence(scored_business):
    run = scored_business
    days = purchase_days()
    config = RulesConfig()
    rows = CustomerScore.objects.values_list(
        "customer_id", "strategy", "strategy_reasons", "types", "clv_12m", "rfm_segment"
    )
    cut = float(run.cuts["types"]["high_future_value"])
    for pk, strategy, reasons, types, clv, segment in rows:
        labels = set(types.split(";"))
        if segment:  # a buyer
            assert strategy and reasons, pk
        if "loyal" in labels:
            assert len(days[pk]) >= config.loyalty.repeat_min_orders, pk
        if "high_future_value" in labels:
            assert clv is not None and clv >= cut * (1 - 1e-9), pk
