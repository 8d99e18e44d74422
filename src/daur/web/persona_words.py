"""A buyer persona in words and figures, in the page's language: a title from its most
distinctive trait and a sentence of its figures ("Customers in Bandung: 2.1 orders a year,
IDR 150.000 per order, 64 % discount share, mostly web, mostly Fashion"). Codes are named
(channels, countries, orientations, relationships), never shown raw. docs/personas.md."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from daur.web.labels import label
from daur.web.templatetags.daur import amount, money, percent

ORDER_CHANNELS = {
    "web": gettext_lazy("the web shop"),
    "store": gettext_lazy("the store"),
    "marketplace": gettext_lazy("marketplaces"),
    "phone": gettext_lazy("the phone"),
    "whatsapp": gettext_lazy("WhatsApp"),
    "sales_rep": gettext_lazy("a sales rep"),
    "email": gettext_lazy("e-mail"),
}
COUNTRIES = {
    "ID": gettext_lazy("Indonesia"),
    "IT": gettext_lazy("Italy"),
    "SG": gettext_lazy("Singapore"),
    "MY": gettext_lazy("Malaysia"),
    "DE": gettext_lazy("Germany"),
    "NL": gettext_lazy("the Netherlands"),
    "US": gettext_lazy("the United States"),
}
# A code's trait: what share of the persona has it.
CODE_TRAITS = {
    "city": gettext_lazy("in %(value)s"),
    "country": gettext_lazy("in %(value)s"),
    "channel": gettext_lazy("ordering mostly through %(value)s"),
    "category": gettext_lazy("share of spending on %(value)s"),
    "orientation": gettext_lazy("orientation: %(value)s"),
    "relationship": gettext_lazy("relationship: %(value)s"),
}
# A number's trait: (its title when the persona is above the base, when below).
NUMBER_TITLES = {
    "orders_per_year": (gettext_lazy("Frequent buyers"), gettext_lazy("Occasional buyers")),
    "recency_days": (gettext_lazy("Long-silent buyers"), gettext_lazy("Recent buyers")),
    "order_value": (gettext_lazy("Big-basket buyers"), gettext_lazy("Small-basket buyers")),
    "discount_share": (gettext_lazy("Discount hunters"), gettext_lazy("Full-price buyers")),
}


def code_name(feature: str, value: str) -> str:
    """The display name of a code of the personas' features."""
    if feature == "channel":
        return str(ORDER_CHANNELS.get(value, value.replace("_", " ")))
    if feature == "country":
        return str(COUNTRIES.get(value.upper(), value))
    if feature in ("orientation", "relationship"):
        return label(feature, value)
    return value  # a city or a category: the business's own words


def unique_titles(traits_of: list[list[dict]]) -> list[str]:
    """Each persona's title; one already given is told apart by its next trait."""
    titles: list[str] = []
    for traits in traits_of:
        name = title(traits)
        if name in titles and len(traits) > 1:
            name = f"{name} · {title(traits[1:])}"
        titles.append(name)
    return titles


def title(traits: list[dict]) -> str:
    """The persona's name from its most distinctive trait."""
    for trait in traits:
        feature, value = trait["feature"], trait["value"]
        if feature in NUMBER_TITLES:
            above, below = NUMBER_TITLES[feature]
            return str(above if trait["z"] > 0 else below)
        name = code_name(feature, value)
        if feature in ("city", "country"):
            return _("Customers in %(place)s") % {"place": name}
        if feature == "category":
            return _("%(category)s buyers") % {"category": name}
        if feature == "channel":
            return _("Buyers through %(channel)s") % {"channel": name}
        if feature == "orientation":
            return _("%(orientation)s-oriented buyers") % {"orientation": name}
        if feature == "relationship":
            return _("%(relationship)s customers") % {"relationship": name}
    return _("Buyers")


def _share_phrase(feature: str, held: dict | None) -> str:
    if not held or not held.get("value") or held.get("share", 0) < 0.2:
        return ""
    name = code_name(feature, held["value"])
    mostly = held["share"] >= 0.5
    if feature in ("city", "country"):
        text = _("mostly in %(value)s") if mostly else _("often in %(value)s")
    elif feature == "channel":
        text = _("mostly through %(value)s") if mostly else _("often through %(value)s")
    else:
        text = _("mostly %(value)s") if mostly else _("often %(value)s")
    return text % {"value": name}


def sentence(figures: dict, currency: str) -> str:
    """The persona's figures as one sentence in the page's language."""
    parts = [
        _("%(n)s orders a year") % {"n": amount(figures.get("orders_per_year"), 1)},
        _("%(money)s per order") % {"money": money(figures.get("order_value"), currency)},
        _("%(share)s discount share") % {"share": percent(figures.get("discount_share"))},
        _("last order %(days)s days ago on average")
        % {"days": amount(figures.get("recency_days"))},
    ]
    parts += [_share_phrase("channel", figures.get("channel"))]
    parts += [_share_phrase("category", figures.get("category"))]
    place = _share_phrase("city", figures.get("city")) or _share_phrase(
        "country", figures.get("country")
    )
    parts += [place]
    held = figures.get("relationship") or {}
    if held.get("value") not in (None, "", "external"):  # the usual kind says nothing
        parts += [_share_phrase("relationship", held)]
    return ", ".join(p for p in parts if p)


def trait_phrase(trait: dict, currency: str) -> str:
    """One distinctive trait against the base: "City Bandung: 92 % (base 20 %)"."""
    feature, value = trait["feature"], trait["value"]
    if value:
        shown = (percent(trait["persona_mean"]), percent(trait["base_mean"]))
        what = CODE_TRAITS.get(feature, "%(value)s") % {"value": code_name(feature, value)}
    elif feature == "order_value":
        shown = (money(trait["persona_mean"], currency), money(trait["base_mean"], currency))
        what = _("order value")
    elif feature == "discount_share":
        shown = (percent(trait["persona_mean"]), percent(trait["base_mean"]))
        what = _("discount share")
    else:
        shown = (amount(trait["persona_mean"], 1), amount(trait["base_mean"], 1))
        what = _("days since the last order")
        if feature == "orders_per_year":
            what = _("orders a year")
    return _("%(what)s: %(persona)s (all buyers %(base)s)") % {
        "what": what, "persona": shown[0], "base": shown[1]
    }
