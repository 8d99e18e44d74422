"""Why a lead has its owner: stored on the lead without a language (a reason code and its
values, as JSON), read in the reader's language (`reason_words`).

A reason stored before this form, or written by hand, is plain text: it reads as it is.
"""

from __future__ import annotations

import json

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from daur.leads.models import Lead

REASON_LENGTH = Lead._meta.get_field("assignment_reason").max_length
NAME_LENGTH = 48  # a name or rule value inside a stored reason, so that every reason fits

WORDS = {
    "no_room": gettext_noop("No sales rep has room: left unassigned."),
    "value": gettext_noop(
        "By value: %(rep)s carried the least expected open value (%(carried)s) of %(reps)s reps"
        " with room; this lead adds %(adds)s."
    ),
    "round_robin": gettext_noop("Round robin: %(rep)s's turn of %(reps)s."),
    "rule": gettext_noop("Rule: %(field)s is %(value)s, to %(rep)s."),
    "by_hand": gettext_noop("Assigned by %(user)s."),
}
NO_RULE = gettext_noop("No rule matched.")
# The fields a rule matches on, by their model labels.
FIELDS = {"source": _("source"), "country": _("country"), "industry": _("industry")}
NUMBERS = ("carried", "adds", "reps")


def reason_store(code: str, *, no_rule: bool = False, **values: str | float | int) -> str:
    """A reason as stored: its code, whether no rule matched first, and its values."""
    if code not in WORDS:
        raise ValueError(f"unknown assignment reason {code!r}")
    kept = {k: v[:NAME_LENGTH] if isinstance(v, str) else v for k, v in values.items()}
    stored = json.dumps(
        {"reason": code, **({"no_rule": True} if no_rule else {}), **kept},
        ensure_ascii=False, separators=(",", ":"),
    )
    if len(stored) > REASON_LENGTH:  # cannot happen with names cut as above; say so if it does
        raise ValueError(f"an assignment reason is longer than {REASON_LENGTH} characters")
    return stored


def reason_words(stored: str) -> str:
    """The reason in the active language; plain text (an older reason) as it is."""
    try:
        data = json.loads(stored)
        code = data.pop("reason")
        words = WORDS[code]
    except (ValueError, TypeError, KeyError, AttributeError):
        return stored
    no_rule = data.pop("no_rule", False)
    for key in NUMBERS:
        if isinstance(data.get(key), int | float):
            data[key] = number_format(data[key], 0, use_l10n=True, force_grouping=True)
    if "field" in data:
        data["field"] = str(FIELDS.get(data["field"], data["field"]))
    try:
        text = gettext(words) % data
    except (KeyError, TypeError, ValueError):
        return stored
    return f"{gettext(NO_RULE)} {text}" if no_rule else text
