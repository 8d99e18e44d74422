"""Translatable display names of the domain's codes (stages, types, strategies, segments ...)."""

from __future__ import annotations

from django.utils.translation import get_language, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

LABELS = {
    "stage": {
        "reaching": _("Reaching"),
        "acquisition": _("Acquisition"),
        "conversion": _("Conversion"),
        "retention": _("Retention"),
        "inspiration": _("Inspiration"),
        "lapsed": _("Lapsed"),
        "lost": pgettext_lazy("life-cycle stage", "Lost"),
    },
    "type": {
        "loyal": _("Loyal"),
        "discount": _("Discount-driven"),
        "impulsive": _("Impulsive"),
        "need_oriented": _("Need-oriented"),
        "wanderer": _("Wanderer"),
        "high_volume": _("High volume"),
        "high_future_value": _("High future value"),
        "benchmark": _("Benchmark"),
        "door_opener": _("Door opener"),
        "inspiring": _("Inspiring"),
        "difficult": _("Difficult"),
        "sophisticated": _("Sophisticated"),
        "affluent": _("Affluent"),
    },
    "orientation": {
        "cost": _("Cost"),
        "value": _("Value"),
        "technology": _("Technology"),
    },
    "strategy": {
        "regain": _("Regain"),
        "end": _("End"),
        "protect": _("Protect"),
        "start": _("Start"),
        "enhance": _("Enhance"),
        "re_engineer": _("Re-engineer"),
        "harvest": _("Harvest"),
    },
    "segment": {
        "Champions": _("Champions"),
        "Loyal Customers": _("Loyal Customers"),
        "Potential Loyalist": _("Potential Loyalist"),
        "New Customers": _("New Customers"),
        "Promising": _("Promising"),
        "Need Attention": _("Need Attention"),
        "About To Sleep": _("About To Sleep"),
        "At Risk": _("At Risk"),
        "Can't Lose Them": _("Can't Lose Them"),
        "Hibernating": _("Hibernating"),
        "Lost": pgettext_lazy("RFM segment", "Lost"),
    },
    "relationship": {
        "external": _("External"),
        "intermediary": _("Intermediary"),
        "internal": _("Internal"),
    },
    "sort": {
        "name": _("Name"),
        "clv": _("12-month CLV"),
        "p_alive": _("P(alive)"),
        "created": _("Newest"),
    },
    "loyalty": {
        "repeat_purchase": _("Repeat purchase"),
        "multi_category": _("Buys outside one product line"),
        "recommends": _("Recommends"),
        "resists_competitors": _("Resists competitors"),
    },
    "action": {
        "win-back offer": _("win-back offer"),
        "personal call": _("personal call"),
        "ask why they left": _("ask why they left"),
        "stop paid outreach": _("stop paid outreach"),
        "account review": _("account review"),
        "priority service": _("priority service"),
        "loyalty perk": _("loyalty perk"),
        "assign a rep": _("assign a rep"),
        "first offer": _("first offer"),
        "free trial": _("free trial"),
        "cross-sell": _("cross-sell"),
        "upgrade": _("upgrade"),
        "bundle": _("bundle"),
        "move to self-service": _("move to self-service"),
        "low-cost channels": _("low-cost channels"),
        "keep cheap automated contact only": _("keep cheap automated contact only"),
    },
    "fit_method": {
        "newton": _("Newton"),
        "quasi_newton": _("Quasi-Newton (L-BFGS-B)"),
        "boundary": _("Boundary solution"),
    },
    "model_part": {
        "purchase": _("purchases"),
        "spend": _("order value"),
    },
    "event": {
        "order": _("Order"),
        "interaction": _("Interaction"),
        "ticket": _("Ticket"),
        "survey": _("Survey answer"),
        "stage_change": _("Stage change"),
    },
}


# Translated names per language: the catalogues do not change while the process runs, and a
# list page shows a few hundred names (each lazy translation looks the language up again).
_TRANSLATED: dict[str | None, dict[tuple[str, str], str]] = {}


def translated_names() -> dict[tuple[str, str], str]:
    """The table of names in the active language, (kind, code) -> name, filled as asked: a page
    that names many codes looks the language up once and passes it to `label`."""
    language = get_language()
    names = _TRANSLATED.get(language)
    if names is None:
        names = _TRANSLATED.setdefault(language, {})
    return names


def label(kind: str, code: str, names: dict[tuple[str, str], str] | None = None) -> str:
    """The display name of a code in the active language; the code itself (made readable) when
    it has none. `names`: translated_names(), when the caller has it."""
    if not code:
        return ""
    if names is None:
        names = translated_names()
    try:
        return names[kind, code]
    except KeyError:
        found = LABELS.get(kind, {}).get(code)
        if found is None:  # not kept: the table holds the domain's codes only
            return code.replace("_", " ").capitalize()
        names[kind, code] = name = str(found)
        return name


def label_choices(kind: str, codes: tuple[str, ...]) -> list[tuple[str, str]]:
    """(code, name in the active language) pairs for a <select>."""
    names = translated_names()
    return [(code, label(kind, code, names)) for code in codes]


CHANNEL_LABELS = {
    "referral": _("Referral"),
    "networking": _("Networking"),
    "exhibition": _("Exhibition"),
    "seminar": _("Seminar"),
    "trade_show": _("Trade show"),
    "publicity": _("Publicity"),
    "website": _("Website"),
    "search_engine": _("Search engine"),
    "web_catalogue": _("Web catalogue"),
    "telemarketing": _("Telemarketing"),
    "email": _("Email"),
    "advertising": _("Advertising"),
    "sampling": _("Sampling"),
    "free_trial": _("Free trial"),
    "discount": _("Discount"),
    "coupon": _("Coupon"),
    "lottery": _("Lottery"),
    "merchandising": _("Merchandising"),
    "event": _("Event"),
}
LABELS["channel"] = CHANNEL_LABELS

# Where an order was placed or a contact happened (orders.channel, interactions.channel): the
# demo's and the common ones; another code reads as itself, made readable.
LABELS["touchpoint"] = {
    "web": _("Web shop"),
    "store": _("Store"),
    "marketplace": _("Marketplace"),
    "phone": _("Phone"),
    "whatsapp": _("WhatsApp"),
    "sales_rep": _("Sales rep"),
    "email": _("Email"),
    "onsite": _("On site"),
    "event": _("Event"),
}

# The display names daur.records.vocabulary_choices builds at run time, for makemessages.
VOCABULARY_DISPLAY = (
    gettext_noop("Person"),
    gettext_noop("Organization"),
    gettext_noop("Visit"),
    gettext_noop("Inquiry"),
    gettext_noop("Call"),
    gettext_noop("Meeting"),
    gettext_noop("Reply"),
    gettext_noop("Complaint"),
    gettext_noop("Request"),
    gettext_noop("Suggestion"),
    gettext_noop("In progress"),
    gettext_noop("Waiting"),
    gettext_noop("Resolved"),
    gettext_noop("Low"),
    gettext_noop("Normal"),
    gettext_noop("High"),
    gettext_noop("Urgent"),
    gettext_noop("Budget"),
    gettext_noop("Standard"),
    gettext_noop("Premium"),
)

# The lead pipeline (SPEC §6 "Leads"): stages, lost reasons, activity kinds, the list's orders.
LABELS["lead_stage"] = {
    "new": pgettext_lazy("lead stage", "New"),
    "contacted": _("Contacted"),
    "qualified": _("Qualified"),
    "proposal": _("Proposal"),
    "won": _("Won"),
    "lost": pgettext_lazy("lead stage", "Lost"),
}
LABELS["lost_reason"] = {
    "price": _("Price"),
    "competitor": _("Competitor"),
    "budget": pgettext_lazy("lost reason", "Budget"),
    "missing_feature": _("Missing feature"),
    "no_decision": _("No decision"),
    "unresponsive": _("Unresponsive"),
    "poor_fit": _("Poor fit"),
}
LABELS["activity"] = {
    "call": _("Call"),
    "email": _("Email"),
    "meeting": _("Meeting"),
    "note": _("Note"),
    "task": _("Task"),
    "visit": _("Visit"),
    "inquiry": _("Inquiry"),
    "event": _("Event"),
    "reply": _("Reply"),
}
LABELS["lead_sort"] = {
    "created": _("Newest"),
    "name": _("Name"),
    "value": _("Expected value"),
    "due": _("Next activity due"),
}
