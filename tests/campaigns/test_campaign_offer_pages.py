"""The campaign page's e-mails per arm (sent, queued, failed, skipped) with the outbox link, an
NPS survey campaign's answers, and the form's event for an event invitation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from daur.actions.campaigns import campaign_create, campaign_launch
from daur.actions.community import event_create
from daur.actions.survey_rounds import survey_answer_by_token
from daur.campaigns.models import Campaign
from daur.engagement.models import OutboundEmail
from daur.jobs import emails_dispatch
from daur.surveys.models import SurveyInvitation
from tests.campaigns.test_campaign_pages import login

pytestmark = pytest.mark.django_db


def _mail_table(page: str) -> dict[str, list[str]]:
    table = page.split('id="campaign-mail"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', table)
    return {label: re.findall(r'<td class="text-end">([^<]*)</td>', cells) for label, cells in rows}


def test_the_page_counts_each_arms_e_mails_and_links_the_outbox(client, base, smtp):
    no_address = base["customers"][4]
    no_address.email = ""
    no_address.save()
    campaign = campaign_create(
        name="News", segment=base["segment"], offer="newsletter", holdout=0.3
    )
    launched = campaign_launch(campaign, seed="page")
    login(client, "marketer")
    url = reverse("web:campaign", args=[campaign.pk])
    queued = _mail_table(client.get(url).content.decode())
    skipped = launched.emails_skipped
    assert queued["Treated"] == ["0", str(launched.emails_queued), "0", str(skipped)]
    assert queued["Hold-out"] == ["0", "0", "0", "0"]
    emails_dispatch()
    page = client.get(url).content.decode()
    assert _mail_table(page)["Treated"] == [str(len(smtp.messages)), "0", "0", str(skipped)]
    assert len(smtp.messages) == OutboundEmail.objects.filter(status="sent").count() > 0
    assert f'href="/outbox/?source=campaign%3A{campaign.pk}"' in page


def test_a_recorded_launch_shows_no_e_mails(client, base):
    campaign = campaign_create(name="Old", segment=base["segment"], offer="newsletter")
    campaign_launch(campaign, seed="old", at=timezone.now() - timedelta(days=40))
    login(client, "marketer")
    page = client.get(reverse("web:campaign", args=[campaign.pk])).content.decode()
    assert 'id="campaign-mail"' not in page


def test_an_nps_campaign_page_shows_how_many_treated_members_answered(client, base):
    campaign = campaign_create(name="Ask", segment=base["segment"], offer="nps_survey", holdout=0.5)
    campaign_launch(campaign, seed="ask")
    tokens = list(SurveyInvitation.objects.order_by("pk").values_list("token", flat=True))
    survey_answer_by_token(token=tokens[0], nps=9)
    login(client, "marketer")
    page = client.get(reverse("web:campaign", args=[campaign.pk])).content.decode()
    assert f"1 of {len(tokens)} treated members answered" in page
    assert reverse("web:survey_round", args=[campaign.survey_round_id]) in page


def test_the_form_takes_an_event_and_refuses_an_invitation_without_one(client, base):
    event = event_create(
        name="Open day", starts_at=timezone.make_aware(datetime(2025, 9, 1, 10)), place="Bali"
    )
    login(client, "marketer")
    fields = {
        "name": "Invite", "segment": base["segment"].pk, "offer": "event_invitation",
        "holdout_percent": "10", "window_days": "30", "channel": "email",
    }
    page = client.post(reverse("web:campaign_new"), fields).content.decode()
    assert "event: an event invitation needs its event." in page
    assert not Campaign.objects.exists()
    response = client.post(reverse("web:campaign_new"), {**fields, "event": event.pk})
    campaign = Campaign.objects.get(name="Invite")
    assert response.status_code == 302 and campaign.event == event
    page = client.get(response["Location"]).content.decode()
    assert "Open day" in page


@pytest.mark.parametrize(
    ("language", "words"),
    [("id", ("E-mail kampanye di kotak keluar", "1 dari ")),
     ("it", ("Le e-mail della campagna nella posta in uscita", "1 su "))],
)
def test_the_new_parts_speak_indonesian_and_italian(client, base, language, words):
    campaign = campaign_create(name="Ask", segment=base["segment"], offer="nps_survey", holdout=0.5)
    campaign_launch(campaign, seed="ask")
    token = SurveyInvitation.objects.order_by("pk").values_list("token", flat=True)[0]
    survey_answer_by_token(token=token, nps=3)
    login(client, "marketer")
    client.cookies["django_language"] = language
    page = client.get(reverse("web:campaign", args=[campaign.pk])).content.decode()
    assert all(word in page for word in words)
