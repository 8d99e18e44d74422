"""Each offer's launch gives the treated members what it promises, in the launch's transaction:
an NPS survey a token per treated member with an e-mail and the answer link in their e-mail, an
event invitation the event's invitations and its name, date and place in the e-mail; a VIP
discount and a loyalty promotion their default texts. The hold-out gets nothing."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from daur.actions.campaigns import CampaignRefused, campaign_create, campaign_launch
from daur.actions.community import event_create
from daur.community.models import Invitation
from daur.engagement.models import OutboundEmail
from daur.surveys.models import SurveyInvitation
from tests.campaigns.conftest import LAUNCH

pytestmark = pytest.mark.django_db


def _arms(campaign) -> tuple[set[int], set[int]]:  # noqa: ANN001
    members = campaign.members.values_list("customer_id", "group")
    treated = {pk for pk, group in members if group == "treated"}
    return treated, {pk for pk, group in members if group == "holdout"}


def _mail(campaign) -> dict[int, OutboundEmail]:  # noqa: ANN001
    return {m.customer_id: m for m in OutboundEmail.objects.filter(source=f"campaign:{campaign.pk}")}


def test_an_nps_survey_issues_a_token_per_treated_member_and_mails_the_link(base, settings):
    settings.DAUR_BASE_URL = "https://crm.example.com"
    no_address = base["customers"][3]
    no_address.email = ""
    no_address.save()
    campaign = campaign_create(
        name="How are we doing", segment=base["segment"], offer="nps_survey", holdout=0.3
    )
    launched = campaign_launch(campaign, seed="nps")
    treated, holdout = _arms(campaign)
    assert campaign.survey_round is not None
    invitations = dict(
        SurveyInvitation.objects.filter(survey_round=campaign.survey_round).values_list(
            "customer_id", "token"
        )
    )
    assert set(invitations) == treated - {no_address.pk}
    assert not set(invitations) & holdout
    mail = _mail(campaign)
    assert set(mail) == treated
    for customer_id, token in invitations.items():
        assert f"https://crm.example.com/nps/{token}/" in mail[customer_id].body_text
    assert launched.emails_queued == len(invitations)


def test_an_nps_link_is_added_to_a_body_that_does_not_place_it(base, settings):
    settings.DAUR_BASE_URL = "https://crm.example.com"
    campaign = campaign_create(
        name="Tell us", segment=base["segment"], offer="nps_survey", holdout=0.5,
        texts={"en": ("Hi {name}", "Just a question."), "id": ("Hai", "Satu pertanyaan."),
               "it": ("Ciao", "Una domanda.")},
    )
    campaign_launch(campaign, seed="nps2")
    tokens = dict(SurveyInvitation.objects.values_list("customer_id", "token"))
    for customer_id, email in _mail(campaign).items():
        assert email.body_text.endswith(f"\n\nhttps://crm.example.com/nps/{tokens[customer_id]}/")


def test_an_event_invitation_invites_the_treated_and_names_the_event(base):
    event = event_create(
        name="Spring tasting", place="Milano",
        starts_at=timezone.make_aware(datetime(2025, 8, 14, 18, 30)),
    )
    campaign = campaign_create(
        name="Come by", segment=base["segment"], offer="event_invitation", holdout=0.3, event=event
    )
    campaign_launch(campaign, seed="ev")
    treated, holdout = _arms(campaign)
    invited = set(Invitation.objects.filter(event=event).values_list("customer_id", flat=True))
    assert invited == treated and not invited & holdout
    mail = _mail(campaign)
    assert set(mail) == treated
    for email in mail.values():
        assert "Spring tasting" in email.body_text and "Milano" in email.body_text
        if email.language == "id":
            assert "14 Agu 2025, 18.30" in email.body_text
        else:
            assert "14 Agosto 2025 18:30" in email.body_text


def test_an_event_invitation_without_its_event_is_refused(base):
    with pytest.raises(CampaignRefused) as refusal:
        campaign_create(name="Nowhere", segment=base["segment"], offer="event_invitation")
    assert str(refusal.value).startswith("event:") and "\n" not in str(refusal.value)
    event = event_create(name="Fair", starts_at=timezone.now())
    with pytest.raises(CampaignRefused, match="^event:"):
        campaign_create(name="Odd", segment=base["segment"], offer="newsletter", event=event)


@pytest.mark.parametrize(
    ("offer", "words"),
    [
        ("vip_discount", {"it": "15 %", "id": "15 %"}),
        ("loyalty_promotion", {"it": "fedeltà", "id": "kesetiaan"}),
    ],
)
def test_vip_and_loyalty_offers_queue_their_default_texts(base, offer, words):
    campaign = campaign_create(
        name="Thanks", segment=base["segment"], offer=offer, holdout=0.25,
        discount_percent="15", expires=date(2025, 9, 30),
    )
    launched = campaign_launch(campaign, seed=offer)
    treated, holdout = _arms(campaign)
    mail = _mail(campaign)
    assert set(mail) == treated and not set(mail) & holdout
    assert launched.emails_queued == len(treated)
    for email in mail.values():
        assert words[email.language] in email.body_text
        assert "{" not in email.body_text


def test_launching_an_offer_twice_is_refused_and_issues_nothing_more(base):
    campaign = campaign_create(name="Once", segment=base["segment"], offer="nps_survey")
    campaign_launch(campaign, seed="one")
    count = SurveyInvitation.objects.count()
    with pytest.raises(CampaignRefused, match="launched already"):
        campaign_launch(campaign, seed="two")
    assert SurveyInvitation.objects.count() == count


def test_a_launch_recorded_afterwards_issues_no_tokens_or_invitations(base):
    event = event_create(name="Past fair", starts_at=LAUNCH)
    survey = campaign_create(name="Old survey", segment=base["segment"], offer="nps_survey")
    invite = campaign_create(
        name="Old invite", segment=base["segment"], offer="event_invitation", event=event
    )
    campaign_launch(survey, seed="a", at=LAUNCH)
    campaign_launch(invite, seed="b", at=LAUNCH)
    assert survey.survey_round is None and not SurveyInvitation.objects.exists()
    assert not Invitation.objects.exists() and not OutboundEmail.objects.exists()


def test_an_event_without_a_place_leaves_the_place_out_of_the_default_text(base):
    event = event_create(name="Online talk", starts_at=LAUNCH)
    campaign = campaign_create(
        name="Talk", segment=base["segment"], offer="event_invitation", event=event
    )
    campaign_launch(campaign, seed="talk")
    bodies = [email.body_text for email in _mail(campaign).values()]
    assert bodies and all("Online talk" in b and ", ." not in b for b in bodies)
    assert any(b.startswith("Ciao ") and "01 Luglio 2025 09:00." in b for b in bodies)
