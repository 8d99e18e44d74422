"""The lead score in `daur score`: stored for every open lead, its fallbacks, its export, the
`start` strategy it feeds and the real-time re-score after an activity."""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from itertools import count

import numpy as np
import pytest

from daur.customers.models import Customer
from daur.engagement.models import Interaction
from daur.engagement.services import interaction_record
from daur.insights import lead_scores
from daur.insights.jobs import score_run
from daur.insights.models import CustomerScore, LeadScore, LeadScoreModel, ScoringRun
from daur.interchange.exporter import export_file
from daur.leads.models import Lead

from .factories import customer, moment

pytestmark = pytest.mark.django_db

_ids = count(1)


def lead(source: str, stage: str, *, calls: int = 0, prospect: Customer | None = None) -> Lead:
    created = moment("2026-03-01")
    record = Lead.objects.create(
        external_id=f"L{next(_ids)}",
        name="someone",
        source=source,
        stage=stage,
        created_at=created,
        lost_reason="price" if stage == "lost" else "",
        converted_customer=prospect,
        custom_fields={"industry": "retail", "country": "id"},
    )
    for n in range(calls):
        Interaction.objects.create(
            lead=record,
            kind="call",
            occurred_at=created + timedelta(hours=5 + 24 * n),
            natural_key=f"{record.external_id}-{n}",
        )
    return record


def history(rng: np.random.Generator, n: int = 240) -> None:
    """Closed leads where referrals and calls win more often."""
    for _ in range(n):
        source = str(rng.choice(["referral", "website", "email"]))
        calls = int(rng.integers(0, 4))
        chance = {"referral": 0.5, "website": 0.25, "email": 0.1}[source] + 0.15 * calls
        lead(source, "won" if rng.random() < chance else "lost", calls=calls)


def test_every_open_lead_gets_a_model_score_with_its_factors():
    history(np.random.default_rng(1))
    open_leads = [lead(s, "qualified", calls=c) for s, c in [("referral", 3), ("email", 0)] * 3]
    customer("C1")
    job = score_run()
    stored = {s.lead_id: s for s in LeadScore.objects.all()}
    assert set(stored) == {x.pk for x in open_leads}
    learned = LeadScoreModel.objects.get()
    assert learned.basis == "model" and learned.run_id == job.run.pk
    assert set(learned.quality["holdout"]) == {"brier", "auc", "calibration_error"}
    assert job.run.fits["lead_score"]["basis"] == "model"
    referral, email = stored[open_leads[0].pk], stored[open_leads[1].pk]
    assert referral.win_probability > email.win_probability
    assert referral.run_id == job.run.pk and referral.basis == "model"
    names = [f["name"] for f in referral.factors]
    assert "source" in names
    points = [abs(f["points"]) for f in referral.factors]
    assert points == sorted(points, reverse=True)


def test_one_class_only_falls_back_to_the_prior_and_says_so():
    for _ in range(50):
        lead("website", "won")
    lead("website", "new")
    customer("C1")
    job = score_run()
    stored = LeadScore.objects.get()
    assert stored.basis == "prior"
    assert "Thin history" in job.run.message
    assert 0 < stored.win_probability < 1


def test_a_failed_fit_still_scores_every_lead_and_customer(monkeypatch):
    history(np.random.default_rng(2), n=100)
    open_lead = lead("referral", "proposal")
    customer("C1")

    def broken(*args, **kwargs):
        raise FloatingPointError("diverged")

    monkeypatch.setattr(lead_scores, "lead_model_learn", broken)
    job = score_run()
    assert LeadScore.objects.get(pk=open_lead.pk).basis == "prior"
    assert "could not be learned" in job.run.message
    assert CustomerScore.objects.count() == 1
    assert job.run.status == ScoringRun.Status.SUCCEEDED


def test_when_lead_scoring_fails_altogether_the_previous_scores_stay(monkeypatch):
    history(np.random.default_rng(3), n=100)
    open_lead = lead("referral", "proposal")
    customer("C1")
    score_run()
    before = LeadScore.objects.get(pk=open_lead.pk).win_probability

    def broken(**kwargs):
        raise ConnectionError("gone")

    monkeypatch.setattr(lead_scores, "lead_rows", broken)
    job = score_run()
    assert LeadScore.objects.get(pk=open_lead.pk).win_probability == before
    assert "previous lead scores are kept" in job.run.message
    assert CustomerScore.objects.filter(run=job.run).count() == 1


def test_export_has_the_spec_columns(tmp_path):
    history(np.random.default_rng(4), n=120)
    lead("referral", "contacted", calls=2)
    customer("C1")
    score_run()
    path = tmp_path / "lead_scores.csv"
    assert export_file(kind="lead_scores", path=str(path)) == 1
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == ["lead_id", "as_of", "win_probability", "basis", "factors"]
    lead_id, as_of, probability, basis, factors = rows[1]
    assert Lead.objects.filter(external_id=lead_id, stage="contacted").exists()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", as_of)
    assert 0 <= float(probability) <= 1 and basis in ("model", "prior")
    parts = factors.split(";")
    assert all(re.fullmatch(r"[a-z_]+:[+-]\d\.\d\d", p) for p in parts), factors
    sizes = [abs(float(p.split(":")[1])) for p in parts]
    assert sizes == sorted(sizes, reverse=True)


def test_start_fires_for_a_prospect_whose_lead_scores_high():
    for _ in range(20):
        lead("referral", "won")
    for _ in range(2):
        lead("referral", "lost")
    for _ in range(20):
        lead("email", "lost")
    promising, doubtful = customer("P1"), customer("P2")
    lead("referral", "proposal", prospect=promising)
    lead("email", "proposal", prospect=doubtful)
    score_run()
    assert LeadScoreModel.objects.get().basis == "prior"  # 20 won, 22 lost: thin
    assert CustomerScore.objects.get(customer=promising).strategy == "start"
    below = CustomerScore.objects.get(customer=doubtful)
    assert below.strategy == ""
    assert "start threshold" in below.strategy_reasons


def test_logging_an_activity_rescores_the_lead_at_once(django_capture_on_commit_callbacks):
    history(np.random.default_rng(5))
    open_lead = lead("website", "contacted")
    customer("C1")
    score_run()
    before = LeadScore.objects.get(pk=open_lead.pk)
    assert before.basis == "model", LeadScoreModel.objects.get().reason
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            interaction_record(kind="call", occurred_at=moment("2026-03-02", 9 + n), lead=open_lead)
    after = LeadScore.objects.get(pk=open_lead.pk)
    assert after.realtime and after.model_id == before.model_id
    calls = {f["name"]: f["value"] for f in after.factors}.get("call_count")
    assert calls in (None, 3.0)
    assert after.win_probability != before.win_probability
    assert LeadScoreModel.objects.count() == 1  # nothing was relearned


def test_realtime_without_any_learning_uses_the_prior(django_capture_on_commit_callbacks):
    open_lead = lead("referral", "new")
    with django_capture_on_commit_callbacks(execute=True):
        interaction_record(kind="email", occurred_at=moment("2026-03-02"), lead=open_lead)
    stored = LeadScore.objects.get(pk=open_lead.pk)
    assert stored.basis == "prior" and stored.model_id is None
