"""Every screen and the KPIs give the same number for each business figure (daur.definitions),
and change together when the rules file changes its threshold."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from daur import cli
from daur.accounts.models import User
from daur.customers.models import Customer
from daur.demo.load import demo_load
from daur.insights.models import CustomerScore
from daur.jobs import score_run
from daur.surveys.models import SurveyAnswer
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db(transaction=True)

ACTIVE_STAGES = ("conversion", "retention", "inspiration")  # SPEC §1.2: ordered, not lapsed/lost


@pytest.fixture
def business():
    """A scored demo business (its reps own customers) and a manager."""
    demo_load(customers=60, seed=5)
    score_run()
    return user_make("boss", role="manager", is_superuser=True)


def _kpi(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert cli.main(["kpi", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _active_figures(capsys, boss: User) -> dict[str, int]:
    """The active customers as each screen shows them, for the whole base."""
    client = _as(boss)
    return {
        "dashboard": client.get("/").context["d"].active,
        "list": client.get("/customers/?stage=active").context["count"],
        "kpi": _kpi(capsys)["retention"]["active_customers"],
        # the list narrowed to each active stage, added up
        "stages": sum(
            client.get(f"/customers/?stage={stage}").context["count"] for stage in ACTIVE_STAGES
        ),
    }


def test_active_customers_agree_on_every_screen_and_follow_the_rules_file(
    business, capsys, settings, tmp_path
):
    before = _active_figures(capsys, business)
    assert len(set(before.values())) == 1, before
    assert 0 < before["kpi"] < Customer.objects.count()
    # A sales rep's dashboard and list: the rep's own active customers
    reps = User.objects.filter(customers__isnull=False).distinct()
    assert reps.exists()
    for rep in reps:
        client = _as(rep)
        mine = CustomerScore.objects.filter(
            customer__owner=rep, lifecycle_stage__in=ACTIVE_STAGES
        ).count()
        assert client.get("/").context["d"].active == mine
        assert client.get("/customers/?stage=active").context["count"] == mine

    # Stricter rules: lapsed sooner, and below a higher P(alive)
    rules = tmp_path / "rules.toml"
    rules.write_text("[lifecycle]\nlapse_min_days = 20\np_alive_lapsed = 0.8\n", encoding="utf-8")
    settings.DAUR_RULES_FILE = str(rules)
    score_run()
    after = _active_figures(capsys, business)
    assert len(set(after.values())) == 1, after
    assert after["kpi"] < before["kpi"]


def _nps_figures(capsys, boss: User) -> dict[str, tuple[float | None, int]]:
    d = _as(boss).get("/").context["d"]
    since = d.as_of - timedelta(days=364)  # the dashboard's 365 days up to its as-of date
    service = _kpi(capsys, "--from", since.isoformat(), "--to", d.as_of.isoformat())["service"]
    return {
        "dashboard": (pytest.approx(d.nps), d.nps_answers),
        "kpi": (service["nps"], service["nps_answers"]),
    }


def test_nps_agrees_on_the_dashboard_and_the_kpis_and_follows_the_rules_file(
    business, capsys, settings, tmp_path
):
    before = _nps_figures(capsys, business)
    assert before["dashboard"] == before["kpi"]
    assert before["kpi"][1] > 10  # answers in the year
    # By hand, with the SPEC's bands (promoters 9-10, detractors 0-6)
    d = _as(business).get("/").context["d"]
    since = d.as_of - timedelta(days=364)
    answers = [
        a.nps
        for a in SurveyAnswer.objects.all()
        if since <= timezone.localtime(a.answered_at).date() <= d.as_of
    ]
    assert len(answers) == before["kpi"][1]
    by_hand = 100 * (sum(n >= 9 for n in answers) - sum(n <= 6 for n in answers)) / len(answers)
    assert before["kpi"][0] == pytest.approx(by_hand)

    # Wider bands, one of them under a key of an earlier version: no re-scoring needed
    rules = tmp_path / "rules.toml"
    rules.write_text(
        "[loyalty]\npromoter_min_nps = 8\n\n[surveys]\ndetractor_max_nps = 4\n", encoding="utf-8"
    )
    settings.DAUR_RULES_FILE = str(rules)
    after = _nps_figures(capsys, business)
    assert after["dashboard"] == after["kpi"]
    assert after["kpi"][1] == before["kpi"][1]
    assert after["kpi"][0] != pytest.approx(before["kpi"][0])
