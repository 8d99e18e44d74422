"""NPS results by reseller and by buyer persona (figures computed by hand on a small base), and
what a sales rep reads on /surveys/: the results over their own customers, no round links."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from daur.customers.models import Customer
from daur.insights.models import Persona, PersonaMember, PersonaRun
from daur.insights.survey_results import survey_results
from daur.surveys.models import SurveyAnswer, SurveyRound
from tests.web.factories import customer_make, order_make, run_make, user_make

pytestmark = pytest.mark.django_db

NOW = timezone.now()
YEAR = (NOW - timedelta(days=365), NOW + timedelta(minutes=1))


def answer(customer, nps: int, *, days_ago: int = 10, comment: str = "") -> None:
    SurveyAnswer.objects.create(
        customer=customer, answered_at=NOW - timedelta(days=days_ago), nps=nps, comment=comment
    )


def persona_run(run_as_of_days: int, traits: list[list[dict]]) -> list[Persona]:
    run = run_make(as_of=(NOW - timedelta(days=run_as_of_days)).date())
    stored = PersonaRun.objects.create(run=run, buyers=10, k=len(traits), sample_size=10)
    return [
        Persona.objects.create(
            persona_run=stored,
            key=100 * run.pk + number,
            number=number,
            size=1,
            share=0.1,
            traits=t,
        )
        for number, t in enumerate(traits, start=1)
    ]


def member(customer, persona: Persona) -> None:
    PersonaMember.objects.create(customer=customer, persona=persona, key=persona.key)


@pytest.fixture
def base():
    rep = user_make("rep-groups", role="sales_rep")
    alpha = customer_make("Alpha Resale", relationship="intermediary", owner=rep)
    beta = customer_make("Beta Resale", relationship="intermediary")
    gamma = customer_make("Gamma Resale", relationship="intermediary")  # no answers in the year
    ana = customer_make("Ana", owner=rep)
    budi = customer_make("Budi")
    cici = customer_make("Cici", owner=rep)
    dodi = customer_make("Dodi")  # no reseller
    eka = customer_make("Eka")  # through gamma; answered before the period
    order_make(ana, reseller=alpha)
    order_make(ana, reseller=alpha)  # two orders through alpha: still one answer
    order_make(budi, reseller=alpha)
    order_make(budi, reseller=beta)
    order_make(cici, reseller=beta)
    order_make(dodi)
    order_make(eka, reseller=gamma)
    answer(ana, 10, comment="Ana likes it")
    answer(ana, 9, days_ago=40)
    answer(budi, 0, comment="Budi does not")
    answer(cici, 8)
    answer(cici, 6, days_ago=50)
    answer(dodi, 7)
    answer(eka, 10, days_ago=400)
    # an older persona run (Dodi's membership stale), then the latest with three personas
    (old,) = persona_run(60, [[{"feature": "recency_days", "value": "", "z": -1.0}]])
    hunters, occasional, frequent = persona_run(
        5,
        [
            [{"feature": "discount_share", "value": "", "z": 1.4}],
            [{"feature": "orders_per_year", "value": "", "z": -0.8}],
            [{"feature": "orders_per_year", "value": "", "z": 1.1}],  # no answers
        ],
    )
    member(ana, hunters)
    member(cici, hunters)
    member(budi, occasional)
    member(dodi, old)  # not of the latest run: no persona now; Eka has none at all
    SurveyRound.objects.create(name="Round R", created_at=NOW, expires_at=NOW)
    return rep


def by_key(rows) -> dict:
    return {r.key: (r.estimate.answers, r.promoters, r.detractors, r.estimate.nps) for r in rows}


def test_by_reseller_counts_each_customers_answers_once_per_reseller(base):
    results = survey_results(start=YEAR[0], end=YEAR[1])
    # alpha: Ana 10, 9 and Budi 0 -> 2 promoters, 1 detractor of 3 = +33.3
    # beta: Budi 0, Cici 8, 6 -> 0 promoters, 2 detractors of 3 = -66.7
    # gamma: Eka's answer is before the period -> none
    assert [r.key for r in results.by_reseller] == ["Alpha Resale", "Beta Resale", "Gamma Resale"]
    rows = by_key(results.by_reseller)
    assert rows["Alpha Resale"][:3] == (3, 2, 1)
    assert rows["Alpha Resale"][3] == pytest.approx(100 / 3)
    assert rows["Beta Resale"][:3] == (3, 0, 2)
    assert rows["Beta Resale"][3] == pytest.approx(-200 / 3)
    assert rows["Gamma Resale"] == (0, 0, 0, None)
    alpha = results.by_reseller[0]
    # shares p = d = 1/3 ... p = 2/3, d = 1/3: variance (1 - 1/9) / 3
    half = 100 * 1.96 * math.sqrt((1 - 1 / 9) / 3)
    assert alpha.estimate.low == pytest.approx(100 / 3 - half, abs=0.05)
    assert alpha.estimate.high == pytest.approx(100.0)  # clipped


def test_by_persona_reads_the_latest_run_and_leaves_out_customers_without_one(base):
    results = survey_results(start=YEAR[0], end=YEAR[1])
    assert [r.key for r in results.by_persona] == ["1", "2", "3"]
    rows = [by_key([r])[r.key] for r in results.by_persona]
    # 1: Ana 10, 9 and Cici 8, 6 -> 2 promoters, 1 detractor of 4 = +25
    # 2: Budi 0 -> -100 (one answer: no interval); 3: no answers
    assert rows == [(4, 2, 1, 25.0), (1, 0, 1, -100.0), (0, 0, 0, None)]
    assert results.by_persona[1].estimate.low is None
    # Dodi (stale persona) and the answers of no persona are in the overall figure only
    assert results.overall.estimate.answers == 6
    assert sum(r.estimate.answers for r in results.by_persona) == 5


def test_no_persona_run_no_persona_rows():
    answer(customer_make("Lone"), 9)
    assert survey_results(start=YEAR[0], end=YEAR[1]).by_persona == ()


def test_the_page_names_resellers_and_personas(client, base):
    client.force_login(user_make("mkt-groups", role="marketer"))
    body = client.get(reverse("web:surveys")).content.decode()
    for text in (
        "By reseller",
        "Gamma Resale",
        "By persona",
        "Discount hunters",
        "Occasional buyers",
        "Frequent buyers",
        "Round R",
        "Budi does not",
    ):
        assert text in body, text
    assert "Recent buyers" not in body  # the older run's persona
    assert 'id="surveys-scope"' not in body


def test_a_sales_rep_reads_the_results_of_their_own_customers(client, base):
    client.force_login(base)
    page = client.get(reverse("web:surveys"))
    assert page.status_code == 200
    body = page.content.decode()
    # Ana 10, 9 and Cici 8, 6 (Budi and Dodi are not the rep's): 2 promoters, 1 detractor of 4
    assert 'id="nps-overall">25.0<' in body
    assert 'id="surveys-scope"' in body
    assert "Ana likes it" in body and "Budi does not" not in body
    assert "Alpha Resale" in body and "Beta Resale" not in body  # the rep's resellers only
    assert "Round R" not in body and reverse("web:survey_send") not in body  # no round links
    assert f'href="{reverse("web:surveys")}"' in body  # in the navigation
    results = survey_results(start=YEAR[0], end=YEAR[1], user=base)
    assert by_key(results.by_reseller) == {"Alpha Resale": (2, 2, 0, 100.0)}
    assert by_key(results.by_persona)["1"] == (4, 2, 1, 25.0)
    assert by_key(results.by_persona)["2"] == (0, 0, 0, None)
    round_pk = SurveyRound.objects.get().pk
    assert client.get(reverse("web:survey_round", args=[round_pk])).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(base):
    assert Client().get(reverse("web:surveys")).status_code == 302


def test_many_resellers_show_those_with_most_answers(client, base, monkeypatch):
    monkeypatch.setattr("daur.insights.survey_results.RESELLERS_SHOWN", 2)
    results = survey_results(start=YEAR[0], end=YEAR[1])
    # alpha and beta 3 answers each (by name), gamma none
    assert [r.key for r in results.by_reseller] == ["Alpha Resale", "Beta Resale"]
    assert results.resellers_not_shown == 1
    gamma = Customer.objects.get(name="Gamma Resale")
    for n, nps in enumerate((9, 10, 3, 9)):
        buyer = customer_make(f"Gamma buyer {n}")
        order_make(buyer, reseller=gamma)
        answer(buyer, nps)
    results = survey_results(start=YEAR[0], end=YEAR[1])
    # gamma: 3 promoters, 1 detractor of 4 = +50, now first; beta left out
    assert by_key(results.by_reseller) == {
        "Gamma Resale": (4, 3, 1, 50.0),
        "Alpha Resale": (3, 2, 1, pytest.approx(100 / 3)),
    }
    assert [r.key for r in results.by_reseller] == ["Gamma Resale", "Alpha Resale"]
    client.force_login(user_make("mkt-many", role="marketer"))
    body = client.get(reverse("web:surveys")).content.decode()
    assert "1 more reseller with fewer answers is not shown." in body
    assert "Beta Resale" not in body
