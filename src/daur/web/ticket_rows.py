"""The ticket queue's rows, formatted and escaped once in Python: the template places them.

Fifty rows of names, badges and due moments through template variables (each `{% url %}`, each
`blocktranslate`, each date through the template's time-zone lookup) cost more than the queue's
queries; here each row is one string format, every value through `escape`.
"""

from __future__ import annotations

from datetime import datetime
from html import escape  # the standard library's: Django's adds a lazy-string wrapper a call

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from daur import vocabulary
from daur.records import vocabulary_choices
from daur.servicedesk.models import Ticket

ROW = """    <tr>
      {select}<td><a href="{url}">{reference}</a><div class="small text-body-secondary text-truncate">{subject}</div></td>
      <td>{customer}</td>
      <td>{kind}</td>
      <td>{priority}</td>
      <td>{status}</td>
      <td>{sla}</td>
      <td class="text-nowrap">{due}</td>
      <td>{agent}{team}</td>
    </tr>
"""  # noqa: E501 - one row of HTML

SELECT = (
    '<td><input class="form-check-input" type="checkbox" name="ticket" value="{pk}"'
    ' aria-label="{label}"></td>'
)


def options(choices: list[tuple[str, str]], selected: str = "") -> SafeString:
    """A select's <option>s of (value, name) pairs, the `selected` value's marked."""
    return mark_safe(  # noqa: S308 - every value below is escaped
        "".join(
            f'<option value="{escape(str(value))}"'
            f"{' selected' if str(value) == selected else ''}>{escape(str(name))}</option>"
            for value, name in choices
        )
    )


def _names(values: tuple[str, ...]) -> dict[str, str]:
    return {code: str(name) for code, name in vocabulary_choices(values)}


def _subject(ticket: Ticket) -> str:
    """As the `ticket_subject` filter: those Daur wrote itself (a save, a survey follow-up)
    translated."""
    return gettext(ticket.subject) if ticket.origin and ticket.subject else ticket.subject


def _moment(value: datetime | None) -> str:
    if value is None:
        return "–"
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def ticket_rows(rows: list[tuple[Ticket, str, str]], *, can_work: bool) -> list[SafeString]:
    """One row per (ticket, SLA state, the state's name); the ticket's customer, agent and team
    read with it."""
    url = reverse("web:ticket", args=[0])[:-2] + "{}/"
    kinds, priorities = _names(vocabulary.TICKET_KINDS), _names(vocabulary.TICKET_PRIORITIES)
    statuses = _names(vocabulary.TICKET_STATUSES)
    select = gettext("Select %(ref)s")
    out = []
    for ticket, state, state_name in rows:
        agent = ticket.assignee
        out.append(
            mark_safe(  # noqa: S308 - every value below is escaped
                ROW.format(
                    select=SELECT.format(
                        pk=ticket.pk, label=escape(select % {"ref": ticket.external_id})
                    )
                    if can_work
                    else "",
                    url=url.format(ticket.pk),
                    reference=escape(ticket.external_id),
                    subject=escape(_subject(ticket)),
                    customer=escape(ticket.customer.name),
                    kind=escape(kinds.get(ticket.kind, ticket.kind)),
                    priority=escape(priorities.get(ticket.priority, ticket.priority)),
                    status=escape(statuses.get(ticket.status, ticket.status)),
                    sla=(
                        f'<span class="badge sla-{escape(state)}">{escape(state_name)}</span>'
                        if state
                        else ""
                    ),
                    due=escape(_moment(ticket.resolution_due_at)),
                    agent=escape(
                        "–" if agent is None else agent.get_full_name() or agent.get_username()
                    ),
                    team=(
                        f'<div class="small text-body-secondary">{escape(ticket.team.name)}</div>'
                        if ticket.team_id
                        else ""
                    ),
                )
            )
        )
    return out
