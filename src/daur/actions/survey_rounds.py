"""NPS surveys by link: a round sent on its own to a saved segment (one invitation with a random
token per member who has an e-mail and consents), and the answer given by a token — once, before
the round closes; a detractor's answer can open a follow-up ticket at the desk."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from daur.actions.servicedesk import ticket_open
from daur.actions.surveys import survey_answer_record
from daur.campaigns.models import Segment
from daur.definitions.surveys import nps_band
from daur.insights.segments import segment_members
from daur.surveys.models import SurveyAnswer, SurveyInvitation, SurveyRound

COMMENT_LENGTH = 2000
ANSWER_DAYS = 30
FOLLOW_UP_SUBJECT = gettext_noop("Follow-up of a detractor's NPS answer")


class SurveyRefused(ValueError):
    """An answer that cannot be taken; `reason`: tampered (no such link), expired, used, nps."""

    def __init__(self, reason: str, invitation: SurveyInvitation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation  # the link's, when it is known (its customer's language)


@dataclass(frozen=True)
class RoundSent:
    survey_round: SurveyRound
    invited: int
    skipped: int  # members without an e-mail or consent


def survey_invitation_email_queue(invitation: SurveyInvitation) -> None:
    """Where an invitation (its link: /nps/<token>/) is handed to the outgoing e-mail. Nothing is
    sent yet: the e-mail comes with the outbound mail queue; the round's page lists the links."""
    return None


@transaction.atomic
def survey_round_send(
    *,
    name: str,
    segment: Segment,
    user=None,  # noqa: ANN001
    answer_days: int = ANSWER_DAYS,
    follow_up_detractors: bool = True,
    now: datetime | None = None,
) -> RoundSent:
    if not name.strip():
        raise ValueError("a survey round has a name")
    now = now or timezone.now()
    survey_round = SurveyRound.objects.create(
        name=name.strip()[:120], created_at=now, created_by=user, segment_name=segment.name,
        segment_query=segment.query, expires_at=now + timedelta(days=answer_days),
        follow_up_detractors=follow_up_detractors,
    )
    members = segment_members(segment)
    reachable = members.exclude(email="").filter(email_consent=True)
    ids = list(reachable.values_list("pk", flat=True))
    invitations = _invitations_issue(survey_round, ids, now)
    for invitation in invitations:
        transaction.on_commit(lambda i=invitation: survey_invitation_email_queue(i))
    return RoundSent(survey_round, len(ids), members.count() - len(ids))


def _invitations_issue(
    survey_round: SurveyRound, customer_ids: list[int], now: datetime
) -> list[SurveyInvitation]:
    invitations = [
        SurveyInvitation(
            survey_round=survey_round, customer_id=pk, token=secrets.token_urlsafe(24), sent_at=now
        )
        for pk in customer_ids
    ]
    SurveyInvitation.objects.bulk_create(invitations, batch_size=2000)
    return invitations


def survey_link(token: str) -> str:
    """The absolute address of an invitation's answer page."""
    return f"{settings.DAUR_BASE_URL}{reverse('web:nps_answer', kwargs={'token': token})}"


def campaign_survey_round_issue(
    *, name: str, customer_ids: list[int], now: datetime, segment: Segment | None = None,
    user=None,  # noqa: ANN001
) -> tuple[SurveyRound, dict[int, str]]:
    """The round of an `nps_survey` campaign's launch (inside its transaction): one invitation
    per customer given (the treated members with an e-mail); returns the round and each
    customer's answer link. The campaign's e-mails carry the links (daur.campaigns.drafts)."""
    survey_round = SurveyRound.objects.create(
        name=name.strip()[:120], created_at=now,
        created_by=user if getattr(user, "pk", None) else None,
        segment_name=segment.name if segment else "",
        segment_query=segment.query if segment else "",
        expires_at=now + timedelta(days=ANSWER_DAYS),
    )  # fmt: skip
    invitations = _invitations_issue(survey_round, customer_ids, now)
    return survey_round, {i.customer_id: survey_link(i.token) for i in invitations}


def survey_invitation_of(token: str, *, now: datetime | None = None) -> SurveyInvitation:
    """The invitation of a link, or SurveyRefused with the reason."""
    now = now or timezone.now()
    invitation = (
        SurveyInvitation.objects.select_related("survey_round", "customer")
        .filter(token=token[:64])
        .first()
    )
    if invitation is None:
        raise SurveyRefused("tampered")
    if invitation.answer_id is not None:
        raise SurveyRefused("used", invitation)
    if invitation.survey_round.expires_at < now:
        raise SurveyRefused("expired", invitation)
    return invitation


@transaction.atomic
def survey_answer_by_token(
    *, token: str, nps: str | int, comment: str = "", now: datetime | None = None
) -> SurveyAnswer:
    now = now or timezone.now()
    survey_invitation_of(token, now=now)
    try:
        nps = int(nps)
    except (TypeError, ValueError):
        raise SurveyRefused("nps") from None
    if not 0 <= nps <= 10:
        raise SurveyRefused("nps")
    invitation = SurveyInvitation.objects.select_for_update().get(token=token[:64])
    if invitation.answer_id is not None:  # answered meanwhile
        raise SurveyRefused("used")
    comment = comment.strip()[:COMMENT_LENGTH]
    answer = survey_answer_record(
        customer=invitation.customer, answered_at=now, nps=nps, comment=comment
    )
    invitation.answer = answer
    invitation.save(update_fields=["answer"])
    if invitation.survey_round.follow_up_detractors and nps_band(nps) == "detractor":
        ticket_open(
            customer=invitation.customer, kind="request", priority="high", opened_at=now,
            subject=FOLLOW_UP_SUBJECT, body=comment, origin="survey",
        )
    return answer
