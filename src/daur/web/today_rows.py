"""/today/'s items, formatted and escaped once in Python: the page template places them.

A worklist shows up to 150 items, each with its done and snooze forms; through template
includes, `{% url %}`, `{% csrf_token %}` and `{% blocktranslate %}` they cost most of the
page (180 ms of CPU a request for a rep at 1,000,000 customers). Here what every item shares
(the token, the snooze options, the words) is made once a page and each item is one string
format, every value through `escape`.
"""

from __future__ import annotations

import unicodedata
from html import escape  # the standard library's: Django's adds a lazy-string wrapper a call

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext

from daur.insights.worklist import WorkItem
from daur.web.labels import label, translated_names
from daur.web.templatetags.daur import DateStyle, NumberStyle, money, percent

NOTE_CHARS = 200  # an activity's note is cut after this many characters
HEAD = '<li class="list-group-item px-0" id="today-{kind}-{pk}">\n' \
    '      <div class="d-flex flex-wrap gap-2 align-items-baseline">\n        '
MARK = """<div class="d-flex flex-wrap gap-1 mt-1">
  <form method="post" action="{url}" hx-post="{url}" hx-target="closest li" hx-swap="innerHTML">
    {fields}<input type="hidden" name="mark" value="done">
    <button class="btn btn-sm btn-outline-success" type="submit">{done}</button>
  </form>
  <form class="d-flex flex-wrap gap-1" method="post" action="{url}" hx-post="{url}"
    hx-target="closest li" hx-swap="innerHTML">
    {fields}<input type="hidden" name="mark" value="snooze">
    <label class="visually-hidden" for="snooze-{kind}-{pk}">{snooze_for}</label>
    <select class="form-select form-select-sm w-auto" id="snooze-{kind}-{pk}" name="days">
      {options}
    </select>
    <button class="btn btn-sm btn-outline-secondary" type="submit">{snooze}</button>
  </form>
</div>
"""


class RowWriter:
    """Writes the items of one worklist page (one request: its token, its language)."""

    def __init__(self, request, *, own: bool, currency: str, snooze_days) -> None:  # noqa: ANN001
        self.own, self.currency = own, currency
        self.token = escape(get_token(request)) if own else ""
        self.names, self.style, self.dates = translated_names(), NumberStyle.active(), DateStyle()
        self.urls = {
            kind: reverse(name, args=[0])[:-2] + "{}/"
            for kind, name in (("customer", "web:customer"), ("lead", "web:lead"))
        }
        self.mark_url = escape(reverse("web:today_mark"))
        w = {
            "at_stake": gettext("at stake"), "next": gettext("Next:"),
            "win": gettext("win probability"), "value": gettext("expected value"),
            "overdue": gettext("Overdue"), "due": gettext("due"), "done": gettext("Done"),
            "snooze": gettext("Snooze"), "snooze_for": gettext("Snooze for"),
        }
        self.words = {k: escape(v) for k, v in w.items()}
        self.options = "".join(
            f'<option value="{d}">'
            f'{escape(ngettext("%(n)s day", "%(n)s days", d) % {"n": d})}</option>'
            for d in snooze_days
        )

    def _mark(self, kind: str, pk: int) -> str:
        if not self.own:
            return ""
        fields = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.token}">'
            f'<input type="hidden" name="kind" value="{kind}">'
            f'<input type="hidden" name="item" value="{pk}">'
        )
        w = self.words
        return MARK.format(
            url=self.mark_url, fields=fields, kind=kind, pk=pk, options=self.options,
            done=w["done"], snooze=w["snooze"], snooze_for=w["snooze_for"],
        )

    def _money(self, value: float | None) -> str:
        return escape(money(value, self.currency, self.style))

    def customer(self, item: WorkItem) -> SafeString:
        w = self.words
        parts = [
            HEAD.format(kind="customer", pk=item.pk),
            f'<a class="fw-semibold text-break" href="{self.urls["customer"].format(item.pk)}">'
            f"{escape(item.name)}</a>\n        "
            f'<span class="badge text-bg-primary">'
            f"{escape(label('strategy', item.strategy, self.names))}</span>\n        "
            f'<span class="small">{w["at_stake"]} {self._money(item.value_at_stake)}</span>\n'
            "      </div>\n",
        ]
        if item.reasons:
            parts.append(f'      <div class="small text-break">{escape(item.reasons)}</div>\n')
        if item.actions:
            badges = "".join(
                f'<span class="badge text-bg-success me-1">'
                f"{escape(label('action', a, self.names))}</span>"
                for a in item.actions
            )
            parts.append(f'      <div class="small">{w["next"]} {badges}</div>\n')
        parts += [self._mark("customer", item.pk), "</li>\n"]
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped

    def lead(self, item: WorkItem, reasons: list[str], next_action: str) -> SafeString:
        w = self.words
        parts = [
            HEAD.format(kind="lead", pk=item.pk),
            f'<a class="fw-semibold text-break" href="{self.urls["lead"].format(item.pk)}">'
            f"{escape(item.name)}</a>\n        "
            f'<span class="badge text-bg-info">'
            f"{escape(label('lead_stage', item.stage, self.names))}</span>\n        "
            f'<span class="small">{w["at_stake"]} {self._money(item.value_at_stake)}</span>\n'
            f'        <span class="small text-body-secondary">{w["win"]} '
            f"{escape(percent(item.win_probability))} · {w['value']} "
            f"{self._money(item.expected_value)}</span>\n      </div>\n",
        ]
        if reasons:
            parts.append(
                f'      <div class="small text-break">{escape("; ".join(reasons))}</div>\n'
            )
        parts += [
            f'      <div class="small">{w["next"]} <span class="badge text-bg-success">'
            f"{escape(str(next_action))}</span></div>\n",
            self._mark("lead", item.pk), "</li>\n",
        ]
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped

    def activity(self, item: WorkItem) -> SafeString:
        w = self.words
        due = timezone.localtime(item.due_at)
        url = self.urls["lead" if item.party_kind == "lead" else "customer"].format(item.party_pk)
        parts = [
            HEAD.format(kind="activity", pk=item.pk),
            f"<strong>{escape(label('activity', item.activity_kind, self.names))}</strong>\n"
            f'        <a class="text-break" href="{url}">{escape(item.name)}</a>\n'
            f'        <span class="badge text-bg-danger">{w["overdue"]}</span>\n'
            f'        <span class="small">{w["due"]} '
            f"{escape(self.dates.date(due))} {escape(self.dates.time(due))}</span>\n"
            "      </div>\n",
        ]
        if item.note:
            # Truncator's text (NFC), whole when it is that short: Truncator, slower, would only
            # count its characters (fewer, without the combining ones) to return it unchanged.
            note = unicodedata.normalize("NFC", item.note)
            if len(note) > NOTE_CHARS:
                note = Truncator(note).chars(NOTE_CHARS)
            parts.append(f'      <div class="small text-break">{escape(note)}</div>\n')
        parts += [self._mark("activity", item.pk), "</li>\n"]
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
