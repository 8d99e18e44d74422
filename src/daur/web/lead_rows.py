"""The lead list's rows, formatted and escaped once in Python: the template places them.

Fifty rows of labels, money, dates and badges through template variables cost more than the
list's queries (every date through the template's time-zone lookup); here each row is one
string format, every value through `escape`.
"""

from __future__ import annotations

from html import escape  # the standard library's: Django's adds a lazy-string wrapper a call

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from daur.leads.models import Lead
from daur.web.labels import label, translated_names
from daur.web.templatetags.daur import DateStyle, NumberStyle, money

ROW = """    <tr>
      <td><a href="{url}">{name}</a>{company}</td>
      <td>{stage}{lost}</td>
      <td class="small">{source}</td>
      <td class="small">{campaign}</td>
      <td class="small">{owner}</td>
      <td class="num">{value}</td>
      <td class="small">{created}</td>
      <td class="small">{due}</td>
    </tr>
"""


def lead_rows(leads: list[Lead], *, currency: str) -> list[SafeString]:
    """One row per listed lead (its owner and campaign read with it, its activity marks set)."""
    url = reverse("web:lead", args=[0])[:-2] + "{}/"
    names, style, dates = translated_names(), NumberStyle.active(), DateStyle()
    overdue = f' <span class="badge text-bg-danger">{escape(gettext("Overdue"))}</span>'
    rows = []
    for lead in leads:
        due = getattr(lead, "next_due_at", None)
        if due is None:
            due_text = "–"
        else:
            due = timezone.localtime(due)
            moment = f"{dates.date(due)} {dates.time(due)}"
            due_text = escape(moment) + (overdue if getattr(lead, "has_overdue", False) else "")
        owner = lead.owner
        rows.append(mark_safe(  # noqa: S308 - every value below is escaped
            ROW.format(
                url=url.format(lead.pk), name=escape(lead.name),
                company=(
                    f'<div class="small text-body-secondary">{escape(lead.company)}</div>'
                    if lead.company else ""
                ),
                stage=escape(label("lead_stage", lead.stage, names)),
                lost=(
                    f' <span class="small text-body-secondary">'
                    f'({escape(label("lost_reason", lead.lost_reason, names))})</span>'
                    if lead.lost_reason else ""
                ),
                source=escape(label("channel", lead.source, names)),
                campaign=escape(lead.campaign.name) if lead.campaign_id else "–",
                owner=escape(
                    "–" if owner is None else owner.get_full_name() or owner.get_username()
                ),
                value=escape(money(lead.expected_value, currency, style)),
                created=escape(dates.date(timezone.localtime(lead.created_at))),
                due=due_text,
            )
        ))
    return rows
