"""The lead score in words: a stored score's factors as "source: referral +12 pts" in the reader's
language, and the scored open leads of a customer (the 360 page of a prospect)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from daur.insights.models import LeadScore

FACTOR_NAMES = {
    "source": _("source"),
    "campaign": _("campaign"),
    "industry": _("industry"),
    "country": _("country"),
    "first_response": _("first response (hours)"),
    "age": _("age (days)"),
}
COUNT_NAMES = {
    "visit": _("visits"),
    "inquiry": _("inquiries"),
    "call": _("calls"),
    "email": _("e-mails"),
    "meeting": _("meetings"),
    "event": _("events"),
    "reply": _("replies"),
}
VALUE_WORDS = {"other": _("other"), "none": _("none yet")}


def factor_words(factor: Mapping[str, Any]) -> str:
    """One factor ({"name", "value", "points"}) as "source: referral +12 pts"."""
    name = str(factor.get("name", ""))
    kind = name.removesuffix("_count")
    label = FACTOR_NAMES.get(name) or COUNT_NAMES.get(kind) or name
    value = factor.get("value", "")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    shown = VALUE_WORDS.get(value, value) if isinstance(value, str) else value
    points = round(100 * float(factor.get("points", 0.0)))
    return gettext("%(factor)s: %(value)s %(points)+d pts") % {
        "factor": label,
        "value": shown,
        "points": points,
    }


@dataclass(frozen=True)
class LeadScoreRow:
    lead_id: str
    lead_name: str
    stage: str
    win_probability: float
    basis: str
    factors: list[str]

    @property
    def win_percent(self) -> int:
        return round(100 * self.win_probability)


def customer_lead_scores(*, customer_id: int) -> list[LeadScoreRow]:
    """The scored open leads linked to this customer, the likeliest first."""
    scores = (
        LeadScore.objects.filter(lead__converted_customer_id=customer_id)
        .select_related("lead")
        .order_by("-win_probability", "lead_id")
    )
    return [
        LeadScoreRow(
            lead_id=s.lead.external_id,
            lead_name=s.lead.name,
            stage=s.lead.stage,
            win_probability=s.win_probability,
            basis=s.basis,
            factors=[factor_words(f) for f in s.factors or []],
        )
        for s in scores
    ]
