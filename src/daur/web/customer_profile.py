"""The 360 page's "Customer" and "Value" cards, formatted and escaped once in Python (as the list's
rows and the timeline are): sixteen terms with labels, dates and money through template filters
cost as much as the page's reads.
"""

from __future__ import annotations

from html import escape  # the standard library's: Django's adds a lazy-string wrapper a call
from urllib.parse import quote

from django.conf import settings
from django.db.models import Count, Max
from django.template.defaultfilters import floatformat
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from daur.customers.models import Customer
from daur.customers.selectors import CustomerConnections
from daur.definitions.currency import exchange_rates
from daur.sales.models import Order
from daur.web.labels import label, translated_names
from daur.web.templatetags.daur import NumberStyle, money, person

DASH = "–"


def _pairs_html(pairs: list[tuple[str, str]], term_class: str, value_class: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every term and value escaped here
        "".join(
            f'<dt class="{term_class}">{escape(term)}</dt><dd class="{value_class}">{value}</dd>'
            for term, value in pairs
        )
    )


def customer_facts_html(customer: Customer, connections: CustomerConnections) -> SafeString:
    """The "Customer" card's terms: id, kind, relationship, contacts, market, acquisition,
    referrer, owner, creation date."""
    names = translated_names()
    market = ", ".join(part for part in (customer.city, customer.country) if part)
    acquired = label("channel", customer.acquired_via, names) or DASH
    if connections.campaign:
        acquired += f" · {connections.campaign}"
    created = dateformat.format(timezone.localtime(customer.created_at), get_format("DATE_FORMAT"))
    pairs = [
        (gettext("Customer id"), escape(customer.external_id)),
        (gettext("Kind"), escape(str(customer.get_kind_display()))),
        (gettext("Relationship"), escape(label("relationship", customer.relationship, names))),
        (gettext("Email"), _contact_link("mailto:", customer.email)),
        (gettext("Phone"), _contact_link("tel:", customer.phone)),
        (gettext("Consent to e-mail"), escape(yes_no(customer.email_consent))),
        (gettext("Market"), escape(market or DASH)),
        (gettext("Acquired via"), escape(acquired)),
        (gettext("Referred by"), escape(_referrer(connections))),
        (gettext("Owner"), escape(person(customer.owner))),
        (gettext("Created"), escape(created)),
    ]
    return _pairs_html(pairs, "col-5", "col-7 text-break")


def yes_no(value: bool) -> str:
    """A yes-or-no value in the user's language."""
    return gettext("yes") if value else gettext("no")


def _contact_link(scheme: str, value: str) -> str:
    """An e-mail address or phone number as a link that writes or calls (a dash for none)."""
    if not value:
        return DASH
    target = value if scheme == "mailto:" else "".join(c for c in value if c.isdigit() or c == "+")
    return f'<a href="{escape(scheme + quote(target, safe="@+"))}">{escape(value)}</a>'



def _referrer(connections: CustomerConnections) -> str:
    if connections.referred_by_hidden:  # one the user may not open: not even its name
        return gettext("another customer")
    return connections.referred_by or DASH


def customer_currency(customer_id: int) -> str:
    """The currency of the customer's orders: the one most of them are in (a tie: the one of the
    latest); "" for a customer without orders."""
    row = (
        Order.objects.filter(customer_id=customer_id)
        .values("currency")
        .annotate(n=Count("id"), latest=Max("ordered_at"))
        .order_by("-n", "-latest")
        .first()
    )
    return row["currency"] if row else ""


def _rate(currency: str, own: str) -> float | None:
    """The rate of `own` into `currency` (DAUR_EXCHANGE_RATES), when both differ and it is known."""
    if not own or own == currency or currency != settings.DAUR_DEFAULT_CURRENCY:
        return None
    rate = exchange_rates().get(own)
    return float(rate) if rate else None


def value_facts_html(score, currency: str, own: str = "") -> SafeString:  # noqa: ANN001 - a CustomerScore
    """The "Value" card's terms: RFM, P(alive), expected orders and order value, CLV, as-of; the
    money in the base `currency` and, for a customer whose orders are in another currency `own`
    with a known rate, in that one beside it."""
    names, style = translated_names(), NumberStyle.active()
    rate = _rate(currency, own)

    def amount(value: float | None) -> str:
        text = escape(money(value, currency, style))
        if rate and value is not None:
            own_text = escape(money(value / rate, own, style))
            text += f'<span class="d-block text-body-secondary text-nowrap">{own_text}</span>'
        return text

    rfm = "-".join(str(v) if v else DASH for v in (score.rfm_r, score.rfm_f, score.rfm_m))
    segment = label("segment", score.rfm_segment, names) or DASH
    as_of = dateformat.format(score.as_of, get_format("DATE_FORMAT"))
    pairs = [
        (gettext("RFM"), escape(f"{rfm} · {segment}")),
        (gettext("P(alive)"), escape(floatformat(score.p_alive, 2) or DASH)),
        (
            gettext("Expected orders in 90 days"),
            escape(floatformat(score.expected_orders_90d, 2) or DASH),
        ),
        (gettext("Expected order value"), amount(score.expected_order_value)),
        (gettext("12-month CLV"), f"<strong>{amount(score.clv_12m)}</strong>"),
        (gettext("Scored as of"), escape(as_of)),
    ]
    if rate:
        one, worth = escape(money(1, own, style)), escape(money(rate, currency, style))
        nowrap = '<span class="text-nowrap">'
        rate_html = f"{nowrap}{one} =</span> {nowrap}{worth}</span>"
        pairs.append((gettext("Exchange rate"), rate_html))
    return _pairs_html(pairs, "col-7", "col-5")
