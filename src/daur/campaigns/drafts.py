"""The e-mails of a launched campaign, as drafts for the mailer: one per treated member (the
hold-out gets nothing), in the member's language, with their name and coupon code filled in.
The mailer (consent, unsubscribe, sending once per key) takes them as they are.

A subject or body may use {name}, {coupon_code}, {discount} and {expires}; an event invitation's
{event}, {event_date} and {place}; an NPS survey's {survey_link} (the member's answer link, added
at the end of a body that does not place it). A campaign without texts of its own gets the default
of its offer in the member's language."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from daur.campaigns.models import LANGUAGES, Campaign, CampaignMember

# A customer's language by country (ISO code or name as imported); English otherwise.
COUNTRY_LANGUAGES = {"ID": "id", "INDONESIA": "id", "IT": "it", "ITALY": "it", "ITALIA": "it"}
PLACEHOLDERS = (
    "name", "coupon_code", "discount", "expires", "event", "event_date", "place", "survey_link",
)  # fmt: skip


SOURCE_PREFIX = "campaign:"  # a campaign e-mail's `source`: "campaign:<pk>"


def campaign_of_source(source: str) -> int | None:
    """The campaign pk of an outbox message's `source` when a campaign queued it, else None."""
    rest = source.removeprefix(SOURCE_PREFIX)
    return int(rest) if rest != source and rest.isdigit() else None


def customer_language(country: str) -> str:
    """The language of a customer who chose none (the customer's own, on their form, wins)."""
    return COUNTRY_LANGUAGES.get(country.strip().upper(), "en")


def campaign_email_drafts(
    campaign: Campaign, survey_links: Mapping[int, str] | None = None
) -> Iterator[dict[str, Any]]:
    """For each treated member of a launched campaign: {key, customer_id (pk), subject, body,
    language, source}; the key is the same at every call, so a retry sends nothing twice.
    Nothing for a draft campaign or a launch recorded afterwards (`--at`), which sent nothing.
    `survey_links`: customer pk -> the answer link of an `nps_survey` launch's invitation."""
    if not campaign.launched or campaign.recorded_launch or not campaign.sends_email:
        return
    texts = {language: _texts(campaign, language) for language in LANGUAGES}
    members = (
        CampaignMember.objects.filter(campaign=campaign, group="treated")
        .order_by("pk")
        .values_list(
            "customer_id", "customer__name", "customer__country", "customer__language",
            "coupon_code",
        )
    )
    for customer_id, name, country, chosen, code in members.iterator(chunk_size=5000):
        language = chosen if chosen in texts else customer_language(country or "")
        subject, body, values = texts[language]
        link = (survey_links or {}).get(customer_id, "")
        filled = {**values, "name": name, "coupon_code": code or "", "survey_link": link}
        text = body if not link or "{survey_link}" in body else body + "\n\n{survey_link}"
        yield {
            "key": f"campaign:{campaign.pk}:member:{customer_id}",
            "customer_id": customer_id,
            "subject": _fill(subject, filled),
            "body": _fill(text, filled),
            "language": language,
            "source": f"{SOURCE_PREFIX}{campaign.pk}",
        }


def _texts(campaign: Campaign, language: str) -> tuple[str, str, dict[str, str]]:
    """The subject and body in `language` (the campaign's, else its offer's default) and the
    values of the placeholders every member shares, written as that language writes them."""
    with translation.override(language):
        subject, body = campaign.email_text(language)
        if not subject:
            subject = campaign.name
        if not body:
            body = _default_body(campaign)
        values = {
            "discount": _discount(campaign),
            "expires": _expires(campaign),
            **_event_values(campaign),
        }
    return subject, body, values


def _default_body(campaign: Campaign) -> str:
    """The offer's default body in the active language."""
    if campaign.offer == "coupon":
        return _(
            "Hello {name},\n\nyour coupon code {coupon_code} gives you {discount} off your "
            "next order, until {expires}.\n\nThank you for shopping with us."
        )
    if campaign.offer == "vip_discount":
        return _(
            "Hello {name},\n\nas one of our most valued customers you get {discount} off your "
            "next order, until {expires}.\n\nThank you for shopping with us."
        )
    if campaign.offer == "loyalty_promotion":
        return _(
            "Hello {name},\n\nthank you for your loyalty: %(campaign)s is our promotion for "
            "you, until {expires}.\n\nThank you for shopping with us."
        ) % {"campaign": campaign.name}
    if campaign.offer == "event_invitation" and not (campaign.event and campaign.event.place):
        return _(
            "Hello {name},\n\nwe would be glad to see you at {event} on {event_date}.\n\n"
            "Thank you for shopping with us."
        )
    if campaign.offer == "event_invitation":
        return _(
            "Hello {name},\n\nwe would be glad to see you at {event} on {event_date}, "
            "{place}.\n\nThank you for shopping with us."
        )
    if campaign.offer == "nps_survey":
        return _(
            "Hello {name},\n\nhow likely are you to recommend us to a friend? Your answer "
            "takes a minute: {survey_link}\n\nThank you for shopping with us."
        )
    return _(
        "Hello {name},\n\nwe have news for you: %(campaign)s.\n\nThank you for "
        "shopping with us."
    ) % {"campaign": campaign.name}


def _event_values(campaign: Campaign) -> dict[str, str]:
    event = campaign.event if campaign.event_id else None
    if event is None:
        return {"event": "", "event_date": "", "place": ""}
    starts = timezone.localtime(event.starts_at)
    return {
        "event": event.name,
        "event_date": formats.date_format(starts, "DATETIME_FORMAT", use_l10n=True),
        "place": event.place,
    }


def _discount(campaign: Campaign) -> str:
    if campaign.discount_percent is not None:
        return f"{formats.number_format(campaign.discount_percent.normalize(), use_l10n=True)} %"
    if campaign.discount_amount is not None:
        return formats.number_format(
            campaign.discount_amount, 0, use_l10n=True, force_grouping=True
        )
    return ""


def _expires(campaign: Campaign) -> str:
    if campaign.coupon_expires_on is None:
        return _("further notice")
    return formats.date_format(campaign.coupon_expires_on, "DATE_FORMAT", use_l10n=True)


def _fill(text: str, values: dict[str, Any]) -> str:
    """Each {placeholder} of PLACEHOLDERS replaced; any other brace left as written."""
    for name in PLACEHOLDERS:
        text = text.replace("{" + name + "}", str(values.get(name, "")))
    return text
