"""The lead board's cards, formatted and escaped once in Python: the board template places them.

Sixty cards, each with its move buttons and its "mark lost" form, through template includes,
`{% url %}`, `{% csrf_token %}` and `{% blocktranslate %}` cost several times the board's
queries; here what every card shares (the token, the lost reasons' options, the translated
words) is made once a page and each card is one string format, every value through `escape`.
The "mark lost" form is the markup `_lost_form.html` writes on the lead page.
"""

from __future__ import annotations

from html import escape  # the standard library's: Django's adds a lazy-string wrapper a call

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from daur import vocabulary
from daur.leads.selectors import BoardCard
from daur.web.labels import label, translated_names
from daur.web.templatetags.daur import NumberStyle, money

CARD = """<li class="lead-card card mb-2" id="lead-card-{pk}" data-lead="{pk}"
    data-stage="{stage}"{drag}>
  <div class="card-body p-2">
    <a class="fw-semibold lead-link" href="{url}">{name}</a>
    {company}<div class="small">{value}</div>
    <div class="small text-body-secondary">{owner} · {source}</div>
    {overdue}{controls}
  </div>
</li>
"""
MOVES = """<form class="stage-move d-flex flex-wrap gap-1 mt-1" method="post" action="{move}"
          hx-post="{move}" hx-target="#board" hx-swap="outerHTML">
      <input type="hidden" name="csrfmiddlewaretoken" value="{token}">
      <input type="hidden" name="expected_stage" value="{stage}">
      <input type="hidden" name="panel" value="board">
      <input type="hidden" name="to_stage" value="" disabled data-drop-target>
      {back}{on}
    </form>
    {lost}"""
BACK = """<button class="btn btn-sm btn-outline-secondary stage-prev" type="submit"
        name="to_stage" value="{to}"
        aria-label="{label}">←</button>"""
ON = """<button class="btn btn-sm btn-outline-primary stage-next" type="submit"
        name="to_stage" value="{to}"
        aria-label="{label}">→</button>"""
LOST = """<details class="lost-form mt-1">
  <summary class="small">{mark_lost}</summary>
  <form class="d-flex flex-wrap gap-1 mt-1" method="post" action="{move}"
        hx-post="{move}" hx-target="#board" hx-swap="outerHTML">
    <input type="hidden" name="csrfmiddlewaretoken" value="{token}">
    <input type="hidden" name="expected_stage" value="{stage}">
    <input type="hidden" name="to_stage" value="lost">
    <input type="hidden" name="panel" value="board">
    <label class="visually-hidden" for="lost-board-{pk}">{lost_reason}</label>
    <select class="form-select form-select-sm w-auto" id="lost-board-{pk}" name="lost_reason"
      required>
      <option value="">{why}</option>
      {options}
    </select>
    <button class="btn btn-sm btn-outline-danger" type="submit">{mark_lost}</button>
  </form>
</details>"""


class CardWriter:
    """Writes the cards of one board page (one request: its CSRF token, its language)."""

    def __init__(self, request, *, currency: str, can_move: bool) -> None:  # noqa: ANN001
        self.currency, self.can_move = currency, can_move
        self.token = escape(get_token(request)) if can_move else ""
        self.style = NumberStyle.active()
        self.names = translated_names()
        self.lead_url = reverse("web:lead", args=[0])[:-2] + "{}/"
        self.move_url = reverse("web:lead_stage", args=[0])
        self.move_url = self.move_url.replace("/0/", "/{}/", 1)
        self.words = {
            "mark_lost": escape(gettext("Mark lost")),
            "lost_reason": escape(gettext("Lost reason")),
            "why": escape(gettext("Why was it lost?")),
            "overdue": escape(gettext("Overdue activity")),
        }
        self.options = "".join(
            f'<option value="{escape(r)}">{escape(label("lost_reason", r, self.names))}</option>'
            for r in vocabulary.LEAD_LOST_REASONS
        )
        self.back_words = gettext("Move %(lead)s back to %(stage)s")
        self.on_words = gettext("Move %(lead)s on to %(stage)s")

    def card(self, lead: BoardCard, *, previous: str | None, next_: str | None) -> SafeString:
        movable = self.can_move and not lead.converted_customer_id
        company = (
            f'<div class="small text-body-secondary">{escape(lead.company)}</div>\n    '
            if lead.company else ""
        )
        overdue = (
            f'<span class="badge text-bg-danger">{self.words["overdue"]}</span>\n    '
            if getattr(lead, "has_overdue", False) else ""
        )
        controls = self._controls(lead, previous, next_) if movable else ""
        return mark_safe(  # noqa: S308 - every value above is escaped
            CARD.format(
                pk=lead.pk, stage=escape(lead.stage), drag=' draggable="true"' if movable else "",
                url=self.lead_url.format(lead.pk), name=escape(lead.name), company=company,
                value=escape(money(lead.expected_value, self.currency, self.style)),
                owner=escape(lead.owner_name),
                source=escape(label("channel", lead.source, self.names)),
                overdue=overdue, controls=controls,
            )
        )

    def _controls(self, lead: BoardCard, previous: str | None, next_: str | None) -> str:
        move = self.move_url.format(lead.pk)
        stage = escape(lead.stage)

        def button(template: str, words: str, to: str | None) -> str:
            if not to:
                return ""
            text = words % {"lead": lead.name, "stage": label("lead_stage", to, self.names)}
            return template.format(to=escape(to), label=escape(text))

        lost = "" if lead.stage == "lost" else LOST.format(
            move=move, token=self.token, stage=stage, pk=lead.pk, options=self.options,
            **self.words,
        )
        return MOVES.format(
            move=move, token=self.token, stage=stage,
            back=button(BACK, self.back_words, previous),
            on=button(ON, self.on_words, next_), lost=lost,
        )
