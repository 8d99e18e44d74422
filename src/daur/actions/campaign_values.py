"""What a draft campaign may hold: the one validation of its values, shared by creating a draft
(daur.actions.campaigns) and changing one (daur.actions.campaign_drafts). docs/campaigns.md."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from daur import vocabulary
from daur.campaigns.models import LANGUAGES, OFFERS, Campaign, Segment
from daur.community.models import Event
from daur.definitions.rules import rules_config

NAME_MAX = Campaign._meta.get_field("name").max_length
WINDOW_MAX = 365


class CampaignRefused(ValueError):
    """The campaign cannot be made, changed or launched as asked; nothing was written. One
    line."""


def campaign_values(
    *,
    name: str,
    segment: Segment | None,
    offer: str,
    holdout: float = 0.10,
    discount_percent: Decimal | float | str | None = None,
    discount_amount: Decimal | float | str | None = None,
    expires: date | None = None,
    window_days: int | None = None,
    cost: Decimal | float | str | None = None,
    channel: str = "email",
    purpose: str = "retention",
    texts: dict[str, tuple[str, str]] | None = None,
    event: Event | None = None,
) -> dict[str, Any]:
    """The campaign's fields for these values; CampaignRefused (one line, naming the field) for
    a value it cannot take. `texts`: language -> (subject, body) of the e-mail, for en, id and
    it."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX or "\x00" in name:
        raise CampaignRefused(
            _("name: a campaign needs a name of at most %(n)d characters.") % {"n": NAME_MAX}
        )
    if segment is None:
        raise CampaignRefused(_("segment: a campaign needs a target segment."))
    if offer not in OFFERS:
        raise CampaignRefused(
            _("offer: %(offer)r is not one of %(known)s.")
            % {"offer": offer, "known": ", ".join(OFFERS)}
        )
    holdout = _number("holdout", holdout)
    if not 0.0 < holdout < 1.0:
        raise CampaignRefused(
            _(
                "holdout: the hold-out share must be above 0 and below 1 (0 leaves nothing to "
                "compare with, 1 treats no one); %(value)s was given."
            )
            % {"value": holdout}
        )
    percent = _decimal("discount-percent", discount_percent)
    if percent is not None and not Decimal(0) < percent <= Decimal(100):
        raise CampaignRefused(_("discount-percent: a discount is above 0 and at most 100 %."))
    amount = _decimal("discount-amount", discount_amount)
    if amount is not None and amount <= 0:
        raise CampaignRefused(_("discount-amount: a discount amount is above 0."))
    if offer == "event_invitation" and event is None:
        raise CampaignRefused(_("event: an event invitation needs its event."))
    if offer != "event_invitation" and event is not None:
        raise CampaignRefused(_("event: only an event invitation targets an event."))
    if offer == "coupon" and percent is None and amount is None:
        raise CampaignRefused(_("discount-percent: a coupon offer needs its discount."))
    window = (
        rules_config().campaigns.attribution_window_days if window_days is None else window_days
    )
    if not isinstance(window, int) or not 1 <= window <= WINDOW_MAX:
        raise CampaignRefused(
            _("window-days: the attribution window is 1 to %(n)d days.") % {"n": WINDOW_MAX}
        )
    cost_value = _decimal("cost", cost)
    if cost_value is not None and cost_value < 0:
        raise CampaignRefused(_("cost: a cost is not negative."))
    if channel not in vocabulary.ACQUISITION_CHANNELS:
        raise CampaignRefused(
            _("channel: %(channel)r is not a known channel.") % {"channel": channel}
        )
    if purpose not in vocabulary.CAMPAIGN_PURPOSES:
        raise CampaignRefused(_("purpose: %(purpose)r is not a purpose.") % {"purpose": purpose})
    words = {}
    for language, (subject, body) in (texts or {}).items():
        if language not in LANGUAGES:
            raise CampaignRefused(
                _("texts: %(lang)r is not a language of Daur.") % {"lang": language}
            )
        words[f"subject_{language}"] = " ".join(subject.split())[:200]
        words[f"body_{language}"] = body
    return {
        "name": name,
        "channel": channel,
        "purpose": purpose,
        "cost": cost_value,
        "segment": segment,
        "offer": offer,
        "holdout_share": holdout,
        "window_days": window,
        "discount_percent": percent,
        "discount_amount": amount,
        "coupon_expires_on": expires,
        "event": event,
        **words,
    }


def _number(field: str, value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CampaignRefused(
            _("%(field)s: %(value)r is not a number.") % {"field": field, "value": value}
        ) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CampaignRefused(
            _("%(field)s: %(value)r is not a number.") % {"field": field, "value": value}
        )
    return number


def _decimal(field: str, value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    # Compared by its exponent: abs() of "1e999999999" overflows the decimal context.
    if number is None or not number.is_finite() or number.adjusted() >= 14:
        raise CampaignRefused(
            _("%(field)s: %(value)r is not a number.") % {"field": field, "value": value}
        )
    return number.quantize(Decimal("0.01"))
