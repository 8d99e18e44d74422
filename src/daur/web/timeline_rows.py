"""The 360 page's timeline rows, formatted and escaped once in Python (as the list's rows are).

Thirty events of a few fields each, through template variables and filters, cost more than
reading them; here each event is one string format, every text passing through `escape`.
"""

from __future__ import annotations

from html import escape  # the standard library's: Django's adds a lazy-string wrapper a call

from django.template.defaultfilters import floatformat
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from daur.customers.timeline import Timeline, TimelineEvent
from daur.web.labels import label, translated_names
from daur.web.templatetags.daur import NumberStyle, money

ROW = (
    '<tr>\n  <td class="when small">{when}</td>\n'
    '  <td><span class="badge text-bg-secondary">{kind}</span></td>\n'
    '  <td class="small">{what}</td>\n</tr>\n'
)


def _short(text: str) -> str:
    return escape(Truncator(text).chars(200))


class _Formatter:
    """What a page of events shares: the language's names, number style and date format."""

    def __init__(self) -> None:
        self.names = translated_names()
        self.style = NumberStyle.active()
        self.date_format = get_format("DATE_FORMAT")  # as every other date of the pages
        self.words = {
            word: escape(gettext(word))
            for word in ("discount", "coupon", "satisfaction", "regained")
        }

    def money(self, value, currency: str) -> str:
        return escape(money(value, currency, self.style))

    def touchpoint(self, code: str) -> str:
        return escape(label("touchpoint", code, self.names))

    def stage(self, code: str) -> str:
        return escape(label("stage", code, self.names)) if code else "–"

    def what(self, event: TimelineEvent) -> str:
        r, w = event.record, self.words
        if event.kind == "order":
            amount = self.money(r.amount, r.currency)
            parts = [f"<strong>{escape(r.external_id)}</strong> · {amount}"]
            if r.discount_amount:
                parts.append(f" ({w['discount']} {self.money(r.discount_amount, r.currency)})")
            if r.coupon_code:
                parts.append(f" · {w['coupon']} {escape(r.coupon_code)}")
            if r.channel:
                parts.append(f" · {self.touchpoint(r.channel)}")
            if r.lines:
                items = "".join(
                    f"<li>{escape(floatformat(line.quantity, '-3'))} × "
                    f"{escape(line.product_name)} @ {self.money(line.unit_price, r.currency)}</li>"
                    for line in r.lines
                )
                parts.append(f'<ul class="mb-0">{items}</ul>')
            return "".join(parts)
        if event.kind == "interaction":
            text = escape(r.get_kind_display())
            if r.channel:
                text += f" · {self.touchpoint(r.channel)}"
            if r.user_name:
                text += f" · {escape(r.user_name)}"
            return text + (f"<br>{_short(r.note)}" if r.note else "")
        if event.kind == "ticket":
            text = (
                f"<strong>{escape(r.external_id)}</strong> · {escape(r.get_kind_display())}"
                f" · {escape(r.get_status_display())}"
            )
            if r.satisfaction:
                text += f" · {w['satisfaction']} {r.satisfaction}/5"
            return text
        if event.kind == "survey":
            return f"NPS {r.nps}" + (f" · “{_short(r.comment)}”" if r.comment else "")
        text = f"{self.stage(r.from_stage)} → {self.stage(r.to_stage)}"  # a stage change
        return text + (f" ({w['regained']})" if r.regained else "")


def timeline_rows_html(timeline: Timeline) -> SafeString:
    """The <tr> elements of the timeline's events (a row saying so when there are none)."""
    if not timeline.events:
        return mark_safe(  # noqa: S308 - a translated sentence, escaped
            f'<tr><td colspan="3" class="text-body-secondary">'
            f"{escape(gettext('Nothing recorded yet.'))}</td></tr>\n"
        )
    f = _Formatter()
    out = [
        ROW.format(
            when=escape(dateformat.format(timezone.localtime(event.at), f.date_format)),
            kind=escape(label("event", event.kind, f.names)),
            what=f.what(event),
        )
        for event in timeline.events
    ]
    return mark_safe("".join(out))  # noqa: S308 - built from escaped values above
