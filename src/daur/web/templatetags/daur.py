"""Template filters of the web pages: money per locale, domain labels, evidence, SVG geometry."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from django import template
from django.utils import dateformat, numberformat
from django.utils.formats import get_format, number_format
from django.utils.translation import get_language

from daur.campaigns.access import (
    campaigns_visible_to,
    segments_creatable_by,
    segments_visible_to,
)
from daur.community.access import community_visible_to
from daur.leads.assignment_reasons import reason_words
from daur.leads.selectors import leads_readable_by
from daur.web.labels import label
from daur.web.model_page import model_page_in_navigation
from daur.web.today import today_readable_by

register = template.Library()

# Currencies whose minor unit is not used in practice (ISO 4217 or custom).
NO_DECIMALS = {"IDR", "JPY", "KRW", "VND", "CLP", "ISK", "HUF"}


@dataclass(frozen=True, slots=True)
class NumberStyle:
    """The active language's decimal mark and grouping, looked up once for a page of numbers
    (number_format looks them up again for every number)."""

    decimal_separator: str
    thousand_separator: str
    grouping: int | tuple

    @classmethod
    def active(cls) -> NumberStyle:
        language = get_language()
        return cls(
            get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
            get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
            get_format("NUMBER_GROUPING", language, use_l10n=True),
        )

    def number(self, value, places: int | None = None, *, grouping: bool = False) -> str:
        """The number with `places` decimals (rounded) in the language's marks."""
        if places is not None and self.grouping == 3 and value is not None:
            # Groups of three (English, Indonesian, Italian): Python's own format, marks swapped.
            text = f"{value:{',' if grouping else ''}.{places}f}"
            return text.translate(
                {ord(","): self.thousand_separator, ord("."): self.decimal_separator}
            )
        return numberformat.format(
            value, self.decimal_separator, places, self.grouping, self.thousand_separator,
            force_grouping=grouping, use_l10n=True,
        )


class DateStyle:
    """The active language's date and time formats, looked up once for a page of dates
    (formats.date_format looks them up for every date), each day's text made once (a page's
    dates fall on few days). Moments are given in local time."""

    def __init__(self) -> None:
        self.date_format = get_format("DATE_FORMAT")
        self.time_format = get_format("TIME_FORMAT")
        self._days: dict[date, str] = {}

    def date(self, moment: datetime) -> str:
        day = moment.date()
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = dateformat.format(moment, self.date_format)
        return text

    def time(self, moment: datetime) -> str:
        return dateformat.time_format(moment, self.time_format)


@register.filter
def money(value, currency: str = "", style: NumberStyle | None = None) -> str:
    """`IDR 1.250.000` / `EUR 12,50`: grouping and decimal mark of the active language."""
    if value is None or value == "":
        return "–"
    code = (currency or "").upper()
    places = 0 if code in NO_DECIMALS else 2
    number = Decimal(str(value)).quantize(Decimal(1) if places == 0 else Decimal("0.01"))
    text = (style or NumberStyle.active()).number(number, places, grouping=True)
    return f"{code} {text}".strip()


@register.filter
def amount(value, places: int = 0) -> str:
    """A plain number with the active language's grouping."""
    if value is None:
        return "–"
    return number_format(value, decimal_pos=int(places), use_l10n=True, force_grouping=True)


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


@register.filter
def figure(value, digits: int = 4) -> str:
    """A measured number (an estimate, an error) to `digits` significant digits in the active
    language's marks: 0.2431, 4.412, 1,234,567; below 1e-5 as 1.234 × 10⁻⁶. A dash for
    nothing, text or a non-finite value."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return "–"
    value = float(value)
    if not math.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    digits = max(1, int(digits))
    magnitude = math.floor(math.log10(abs(value)))
    places = max(0, digits - 1 - magnitude)
    if magnitude < -5:
        mantissa = round(value / 10**magnitude, digits - 1)
        if abs(mantissa) >= 10:  # 9.9996 rounded up
            mantissa, magnitude = mantissa / 10, magnitude + 1
        mantissa = number_format(mantissa, digits - 1, use_l10n=True)
        return f"{mantissa} × 10{str(magnitude).translate(SUPERSCRIPT)}"
    return number_format(
        round(value, places), decimal_pos=places, use_l10n=True, force_grouping=True
    )


@register.filter
def percent(value, places: int = 0) -> str:
    if value is None:
        return "–"
    return number_format(100 * value, decimal_pos=int(places), use_l10n=True) + " %"


@register.filter
def assignment_reason(stored: str) -> str:
    """A lead's stored assignment reason in the active language."""
    return reason_words(stored)


@register.filter(name="label")
def label_filter(code: str, kind: str) -> str:
    """`{{ score.lifecycle_stage|label:"stage" }}`: the translated name of a domain code."""
    return label(kind, code)


@register.filter
def evidence(item, currency: str = "") -> str:
    """One Evidence in the active language, numbers as the language writes them and money in
    `currency` (`{{ e|evidence:base_currency }}`; daur.web.evidence_text)."""
    from daur.web.evidence_text import evidence_text  # it formats money with this module's

    return evidence_text(item, currency)


@register.simple_tag
def heat(count: int, maximum: int) -> str:
    """The class of an RFM cell's colour, heat-0 to heat-10: darker for more customers, with text
    that stays readable (daur.css; an inline style would break the Content-Security-Policy)."""
    share = (count / maximum) if maximum else 0
    return f"heat-{round(share * 10)}"


@register.filter
def bar(value: float, maximum: float) -> float:
    """The length (0-100) of a bar for `value` on a scale up to `maximum`."""
    if not maximum or value is None:
        return 0
    return round(100 * value / maximum, 2)


@register.filter
def person(user) -> str:
    """A user's full name, else the user name; a dash for nobody."""
    if user is None:
        return "–"
    return user.get_full_name() or user.get_username()


@register.filter
def alert_customers_query(alert) -> str:  # noqa: ANN001 - an insights Alert
    """The customer-list query of an alert's segment ("" when the list has no such filter):
    an RFM segment, a customer type or a market ("City, Country")."""
    kind, segment = alert.segment_kind, alert.segment
    if kind == "rfm_segment":
        return urlencode({"segment": segment})
    if kind == "type":
        return urlencode({"type": segment})
    if kind == "market" and ", " in segment:
        city, country = segment.rsplit(", ", 1)
        return urlencode({"country": country, "city": city})
    return ""


@register.filter
def model_in_navigation(user) -> bool:
    """Whether the navigation links the model page for this user."""
    return model_page_in_navigation(user)


@register.filter
def overdue_at(activity, now) -> bool:  # noqa: ANN001 - an Interaction, a datetime
    """Whether an activity is overdue at `now` (one moment for a whole page)."""
    return activity.is_overdue(now)


@register.filter
def stay_days(stay, now) -> float:  # noqa: ANN001 - a leads StageStay, a datetime
    """The days a lead spent in a stage (until `now` for the stage it is in)."""
    return stay.days(now)


@register.filter
def leads_in_navigation(user) -> bool:  # noqa: ANN001 - a User
    """Whether the navigation links the lead pipeline (support agents have no access)."""
    return leads_readable_by(user)


@register.filter
def segments_in_navigation(user) -> bool:  # noqa: ANN001 - a User
    """Whether the navigation links the saved segments (support agents have no access)."""
    return segments_visible_to(user)


@register.filter
def campaigns_in_navigation(user) -> bool:  # noqa: ANN001 - a User
    """Whether the navigation links the campaigns (every active role reads them)."""
    return campaigns_visible_to(user)


@register.filter
def personas_in_navigation(user) -> bool:  # noqa: ANN001 - a User
    """Whether the navigation links the buyer personas (admins, managers, marketers)."""
    return segments_creatable_by(user)


@register.filter
def community_in_navigation(user) -> bool:  # noqa: ANN001 - a User
    """Whether the navigation links the community's events and clubs (every active role)."""
    return community_visible_to(user)


@register.filter
def today_in_navigation(user) -> bool:  # noqa: ANN001 - a User
    """Whether the navigation links a sales rep's day (reps, managers and admins)."""
    return today_readable_by(user)


@register.filter
def surveys_in_navigation(user) -> bool:  # noqa: ANN001 - a User
    """Whether the navigation links the survey results (every role; a sales rep's are over their
    own customers)."""
    from daur.web.surveys import survey_results_readable_by

    return survey_results_readable_by(user)


@register.filter
def ticket_subject(ticket) -> str:  # noqa: ANN001 - a servicedesk Ticket
    """A ticket's subject; those Daur wrote itself (a save or a survey follow-up) translated."""
    from django.utils.translation import gettext

    return gettext(ticket.subject) if ticket.origin and ticket.subject else ticket.subject
