"""Each definition's Python predicate, database filter and counts agree, and scoring uses the
same definition (daur.definitions)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Count

from daur.analytics.lifecycle import LIFECYCLE_STAGES
from daur.analytics.rules_config import RulesConfig
from daur.definitions.customers import active_count, active_of_stages, active_q, is_active
from daur.definitions.leads import is_qualified, qualified_count, qualified_q
from daur.definitions.surveys import (
    detractor_q,
    nps_band,
    nps_counts,
    nps_counts_of_histogram,
    nps_histogram,
    promoter_q,
)
from daur.insights.models import CustomerScore
from daur.insights.services import scores_compute
from daur.leads.models import Lead
from daur.surveys.models import SurveyAnswer
from daur.vocabulary import LEAD_STAGES

from .factories import customer, moment, order, score

pytestmark = pytest.mark.django_db


def test_active_predicate_filter_and_counts_agree_on_every_stage():
    for stage in LIFECYCLE_STAGES:
        score(customer(stage), lifecycle_stage=stage)
    by_filter = set(
        CustomerScore.objects.filter(active_q()).values_list("lifecycle_stage", flat=True)
    )
    assert by_filter == {s for s in LIFECYCLE_STAGES if is_active(s)}
    assert by_filter == {"conversion", "retention", "inspiration"}
    assert not is_active(None)
    assert active_count(CustomerScore.objects.all()) == 3
    assert active_of_stages(dict.fromkeys(LIFECYCLE_STAGES, 2)) == 6


@pytest.mark.parametrize(
    "rules",
    [RulesConfig(), RulesConfig.from_mapping({"surveys": {"promoter_min_nps": 8,
                                                          "detractor_max_nps": 4}})],
)
def test_nps_bands_agree_in_python_in_the_database_and_from_stored_counts(rules):
    who = customer("A")
    for nps in range(11):
        for k in range(nps % 3 + 1):  # 1 to 3 answers of each value
            day = moment(f"2026-01-{nps + 1:02d}", hour=k)
            SurveyAnswer.objects.create(customer=who, answered_at=day, nps=nps)
    answers = SurveyAnswer.objects.all()
    promoters = {a.nps for a in answers.filter(promoter_q(rules))}
    detractors = {a.nps for a in answers.filter(detractor_q(rules))}
    assert promoters == {n for n in range(11) if nps_band(n, rules) == "promoter"}
    assert detractors == {n for n in range(11) if nps_band(n, rules) == "detractor"}
    assert min(promoters) == rules.surveys.promoter_min_nps
    assert max(detractors) == rules.surveys.detractor_max_nps
    counts = nps_counts(answers, rules)
    histogram = nps_histogram(answers.values_list("nps").annotate(n=Count("pk")).order_by())
    assert nps_counts_of_histogram(histogram, rules) == counts
    assert counts.answers == sum(n % 3 + 1 for n in range(11))
    assert counts.promoters + counts.passives + counts.detractors == counts.answers
    assert counts.nps == pytest.approx(100 * (counts.promoters - counts.detractors) / counts.answers)


def test_a_qualified_lead_is_what_scoring_counts_as_one():
    # Buyers, so that the base can be scored, and one prospect converted from a lead per stage
    for i in range(3):
        order(customer(f"B{i}"), f"2026-0{i + 1}-10", 100)
    for stage in LEAD_STAGES:
        prospect = customer(f"L-{stage}")
        Lead.objects.create(
            external_id=f"LEAD-{stage}", name=stage, source="website", stage=stage,
            converted_customer=prospect, lost_reason="price" if stage == "lost" else "",
        )
    Lead.objects.create(external_id="OPEN", name="open", source="website", stage="qualified")
    scores_compute(as_of=date(2026, 6, 30))

    acquisition = set(
        CustomerScore.objects.filter(lifecycle_stage="acquisition")
        .values_list("customer__external_id", flat=True)
    )
    assert acquisition == {f"L-{stage}" for stage in LEAD_STAGES if is_qualified(stage)}
    assert acquisition == {"L-qualified", "L-proposal", "L-won"}
    qualified = Lead.objects.filter(qualified_q())
    assert set(qualified.values_list("stage", flat=True)) == {"qualified", "proposal", "won"}
    assert qualified_count(Lead.objects.filter(converted_customer__isnull=False)) == 3
