"""Changes to a draft campaign: its values changed (with the validation of a new draft,
daur.actions.campaign_values) or the draft deleted. A launched campaign is a record of what was
done: it is neither changed nor deleted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from daur.actions.campaign_values import CampaignRefused, campaign_values
from daur.campaigns.models import LANGUAGES, Campaign

# What a draft's change may name: the arguments of campaign_create.
CHANGEABLE = (
    "name", "segment", "offer", "holdout", "discount_percent", "discount_amount", "expires",
    "window_days", "cost", "channel", "purpose", "texts", "event",
)  # fmt: skip


class CampaignLaunched(CampaignRefused):
    """The campaign was launched: it stays as it was launched."""


def _current(campaign: Campaign) -> dict[str, Any]:
    return {
        "name": campaign.name, "segment": campaign.segment, "offer": campaign.offer,
        "holdout": campaign.holdout_share, "discount_percent": campaign.discount_percent,
        "discount_amount": campaign.discount_amount, "expires": campaign.coupon_expires_on,
        "window_days": campaign.window_days, "cost": campaign.cost, "channel": campaign.channel,
        "purpose": campaign.purpose, "event": campaign.event,
        "texts": {
            lang: (getattr(campaign, f"subject_{lang}"), getattr(campaign, f"body_{lang}"))
            for lang in LANGUAGES
        },
    }  # fmt: skip


def _draft(campaign_id: int) -> Campaign:
    try:
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    except Campaign.DoesNotExist:
        raise CampaignRefused(_("The campaign no longer exists.")) from None
    if campaign.launched:
        raise CampaignLaunched(
            _("campaign %(id)s was launched: a launched campaign is not changed or deleted.")
            % {"id": campaign.external_id}
        )
    return campaign


@transaction.atomic
def campaign_update(*, campaign_id: int, changes: Mapping[str, Any]) -> Campaign:
    """Change a draft: the values named in `changes` (campaign_create's arguments; `texts` per
    language given), each checked as for a new draft; refused for a launched campaign."""
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise CampaignRefused(
            _("%(field)s: not a value of a campaign.") % {"field": sorted(unknown)[0]}
        )
    campaign = _draft(campaign_id)
    values = _current(campaign)
    for name, value in changes.items():
        values[name] = {**values["texts"], **value} if name == "texts" else value
    fields = campaign_values(**values)
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save(update_fields=[*fields, "updated_at"])
    return campaign


@transaction.atomic
def campaign_delete(*, campaign_id: int) -> None:
    """Delete a draft; refused for a launched campaign and for one customers were acquired
    through (their acquisition would lose its campaign)."""
    campaign = _draft(campaign_id)
    if campaign.acquired_customers.exists():
        raise CampaignRefused(
            _("campaign %(id)s is named as customers' acquisition campaign and is kept.")
            % {"id": campaign.external_id}
        )
    campaign.delete()
