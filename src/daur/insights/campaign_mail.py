"""What became of a launched campaign's e-mails, per member and per arm: each treated member's
message in the outbox has the key `campaign:<id>:member:<customer pk>` (daur.campaigns.drafts),
so its status and the moment it was sent are read by that key. The hold-out has none. An NPS
survey campaign's answers per arm, from the invitations of its round."""

from __future__ import annotations

from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat

from daur.campaigns.models import GROUPS, Campaign, CampaignMember
from daur.engagement.models import OutboundEmail
from daur.surveys.models import SurveyInvitation

# The outbox statuses as the campaign page counts them.
MAIL_STATES = {"sent": "sent", "queued": "queued", "sending": "queued", "failed": "failed",
               "skipped": "skipped"}  # fmt: skip
STATE_NAMES = ("sent", "queued", "failed", "skipped")


def campaign_source(campaign: Campaign) -> str:
    """The outbox's `source` of the campaign's e-mails (the outbox page filters by it)."""
    return f"campaign:{campaign.pk}"


def _member_email(campaign: Campaign) -> QuerySet:
    key = Concat(
        Value(f"campaign:{campaign.pk}:member:"),
        Cast(OuterRef("customer_id"), output_field=CharField()),
        output_field=CharField(),
    )
    return OutboundEmail.objects.filter(key=key)


def with_mail(members: QuerySet, campaign: Campaign) -> QuerySet:
    """The members annotated with `mail_sent_at` (their e-mail's moment of sending, or the one
    recorded on the membership) and `mail_status` (empty without an e-mail)."""
    email = _member_email(campaign)
    return members.annotate(
        mail_sent_at=Coalesce("sent_at", Subquery(email.values("sent_at")[:1])),
        mail_status=Subquery(email.values("status")[:1]),
    )


def mail_counts(campaign: Campaign, owner: int | None = None) -> dict[str, dict[str, int]]:
    """Per arm (treated, holdout), how many members' e-mails are sent, queued, failed or
    skipped; `owner`: only that sales rep's customers."""
    members = CampaignMember.objects.filter(campaign=campaign)
    if owner is not None:
        members = members.filter(customer__owner_id=owner)
    counts = {group: dict.fromkeys(STATE_NAMES, 0) for group in GROUPS}
    rows = (
        with_mail(members, campaign)
        .exclude(mail_status=None)
        .order_by()
        .values_list("group", "mail_status")
        .annotate(n=Count("pk"))
    )
    for group, status, n in rows:
        counts[group][MAIL_STATES.get(status, "queued")] += n
    return counts


def survey_answers(
    campaign: Campaign, owner: int | None = None
) -> dict[str, dict[str, int | float | None]]:
    """Per arm of an NPS survey campaign: invitations (the treated members with an e-mail; the
    hold-out has none), answers and the answer rate (None without invitations)."""
    invitations = SurveyInvitation.objects.filter(survey_round_id=campaign.survey_round_id)
    if owner is not None:
        invitations = invitations.filter(customer__owner_id=owner)
    treated = invitations.aggregate(
        invited=Count("pk"), answered=Count("pk", filter=Q(answer__isnull=False))
    )
    result = {"treated": treated, "holdout": {"invited": 0, "answered": 0}}
    for figures in result.values():
        invited = figures["invited"]
        figures["answer_rate"] = figures["answered"] / invited if invited else None
    return result
