"""The scoring run's "save" tickets: a valuable detractor whose P(alive) fell gets one, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from daur.actions.servicedesk_save import detractors_p_alive, tickets_save_open
from daur.insights.models import CustomerScore
from daur.servicedesk.models import Ticket
from daur.surveys.models import SurveyAnswer
from tests.web.factories import customer_make, score_make

pytestmark = pytest.mark.django_db

EARLIER = datetime(2025, 5, 1, tzinfo=UTC)
LATER = datetime(2025, 6, 1, tzinfo=UTC)


def scored(name: str, clv: float, *answers: int):  # noqa: ANN201
    customer = customer_make(name)
    score_make(customer, clv=clv, p_alive=0.8)
    for i, nps in enumerate(answers):
        SurveyAnswer.objects.create(
            customer=customer, nps=nps, answered_at=EARLIER if i == 0 else LATER
        )
    return customer


def test_a_valuable_detractor_slipping_away_gets_one_save_ticket():
    valuable = scored("Valuable", 9_000_000, 3)
    cheap = scored("Cheap", 10_000, 2)
    converted = scored("Was a detractor", 8_000_000, 2, 10)  # the latest answer counts
    steady = scored("Steady", 8_500_000, 4)
    for n in range(6):
        scored(f"Filler {n}", 100_000 * n)
    before = detractors_p_alive()
    assert set(before) == {valuable.pk, cheap.pk, steady.pk}
    # the run: P(alive) falls for all but "Steady"
    CustomerScore.objects.exclude(customer=steady).update(p_alive=0.4)
    opened = tickets_save_open(before=before)
    assert [t.customer for t in opened] == [valuable]
    ticket = opened[0]
    assert (ticket.origin, ticket.priority, ticket.status) == ("save", "high", "open")
    assert not Ticket.objects.filter(customer__in=[cheap, converted]).exists()
    # the next run finds it open: none again
    CustomerScore.objects.filter(customer=valuable).update(p_alive=0.2)
    assert tickets_save_open(before={valuable.pk: 0.4}) == []
    assert Ticket.objects.filter(customer=valuable).count() == 1


def test_nobody_scored_or_no_detractor_opens_nothing():
    assert tickets_save_open(before={}) == []
    assert detractors_p_alive() == {}
