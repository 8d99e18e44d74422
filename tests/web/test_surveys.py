"""NPS surveys by link: a round sent to a segment, answered without login in the customer's
language once per token (reused, unknown and expired links, a score out of range refused), a
detractor's follow-up ticket, and the results by month, segment, stage and round with sample
sizes and intervals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from daur.actions.survey_rounds import survey_answer_by_token, survey_round_send
from daur.campaigns.models import Segment
from daur.servicedesk.models import Ticket
from daur.surveys.models import SurveyAnswer, SurveyInvitation
from tests.web.factories import customer_make, score_make, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    for name, country in (("Adi", "ID"), ("Bea", "IT"), ("Citra", "ID")):
        score_make(customer_make(name, email=f"{name.lower()}@x.id", email_consent=True,
                                 country=country), stage="retention")
    customer_make("No mail", email="", country="ID")
    segment = Segment.objects.create(name="Everyone", query="")
    return survey_round_send(name="June NPS", segment=segment)


def link(customer_name: str) -> str:
    token = SurveyInvitation.objects.get(customer__name=customer_name).token
    return reverse("web:nps_answer", args=[token])


def test_a_round_invites_the_reachable_members(sent):
    assert (sent.invited, sent.skipped) == (3, 1)


def test_an_answer_without_login_in_the_customers_language_once(sent):
    client = Client()
    page = client.get(link("Bea"))
    assert page.status_code == 200 and 'lang="it"' in page.content.decode()
    assert client.post(link("Bea"), {"nps": "9", "comment": "Ottimo"}).status_code == 200
    answer = SurveyAnswer.objects.get(customer__name="Bea")
    assert (answer.nps, answer.comment) == (9, "Ottimo")
    again = client.post(link("Bea"), {"nps": "0"})
    assert again.status_code == 200 and "Hai già risposto" in again.content.decode()
    assert SurveyAnswer.objects.count() == 1
    assert not Ticket.objects.exists()  # a promoter opens no follow-up


@pytest.mark.parametrize("score", ["11", "-1", "x", ""])
def test_a_score_out_of_range_is_refused(sent, score):
    response = Client().post(link("Adi"), {"nps": score, "comment": "kept"})
    assert response.status_code == 400 and "kept" in response.content.decode()
    assert not SurveyAnswer.objects.exists()


def test_unknown_and_expired_links(sent):
    assert Client().get(reverse("web:nps_answer", args=["forged-token"])).status_code == 404
    sent.survey_round.expires_at = timezone.now() - timedelta(minutes=1)
    sent.survey_round.save()
    assert Client().get(link("Adi")).status_code == 410


def test_a_detractors_answer_opens_a_follow_up_ticket(sent):
    token = SurveyInvitation.objects.get(customer__name="Citra").token
    survey_answer_by_token(token=token, nps=3, comment="<i>Slow</i> delivery")
    ticket = Ticket.objects.get()
    assert (ticket.customer.name, ticket.origin, ticket.priority) == ("Citra", "survey", "high")
    assert ticket.messages.get().body == "<i>Slow</i> delivery"


def test_the_results_page(client, sent):
    for name, nps in (("Adi", 10), ("Bea", 9), ("Citra", 2)):
        token = SurveyInvitation.objects.get(customer__name=name).token
        survey_answer_by_token(token=token, nps=nps, comment=f"<b>{name}</b> says")
    client.force_login(user_make("mkt", role="marketer"))
    body = client.get(reverse("web:surveys")).content.decode()
    # 2 promoters, 1 detractor of 3: NPS 33.3
    assert 'id="nps-overall">33.3<' in body
    assert "Everyone" in body and "June NPS" in body and "(n = 3)" in body
    assert "&lt;b&gt;Adi&lt;/b&gt; says" in body and "<b>Adi</b>" not in body
    rep = Client()
    rep.force_login(user_make("rep7", role="sales_rep"))
    mine = rep.get(reverse("web:surveys"))  # none of the answering customers is the rep's
    assert mine.status_code == 200 and 'id="nps-overall">–<' in mine.content.decode()
    assert "Adi" not in mine.content.decode() and "June NPS" not in mine.content.decode()


def test_a_marketer_sends_a_round_from_the_page(client):
    customer_make("Dewi", email="dewi@x.id", email_consent=True)
    segment = Segment.objects.create(name="All", query="")
    client.force_login(user_make("mkt2", role="marketer"))
    response = client.post(
        reverse("web:survey_send"), {"name": "Q3", "segment": segment.pk}, follow=True
    )
    assert "1 customers invited" in response.content.decode()
    assert "/nps/" in response.content.decode()
