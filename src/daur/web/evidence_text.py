"""An Evidence (daur.analytics.evidence) as text of the page's language: its template translated,
then each value formatted the way the page writes numbers, not the way Python's `format` does.

The template's format spec says what a value is (the analytics core's templates keep to it):
- `,.2f` (grouped, two decimals): money, in the base currency: `IDR 1.250.000`, `EUR 12,50`;
- `.0%`: a share: `87%`, with the language's decimal mark when it has decimals;
- `.2f`, `.1f`: a figure with that many decimals: `0,97` in Italian and Indonesian;
- `g` or none: a number rounded to at most two decimals, with no trailing zeros (a threshold
  computed as 19.99999998 reads `20`), integers grouped (`1.234`);
- a `{stage}` value is a life-cycle stage code, shown by its translated name.
"""

from __future__ import annotations

import math
from string import Formatter

from django.utils.translation import gettext

from daur.web.labels import label
from daur.web.templatetags.daur import NumberStyle, money

LABELLED = {"stage": "stage"}  # value name -> the label kind of its code
_FORMATTER = Formatter()


def rounded(value: float | int, style: NumberStyle) -> str:
    """A number with at most two decimals and no trailing zeros, in the style's marks."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "–"
    number = round(float(value), 2)
    places = next(p for p in (0, 1, 2) if round(number, p) == number)
    return style.number(number, places, grouping=True)


def _value_text(name: str, value, spec: str, currency: str, style: NumberStyle) -> str:
    if isinstance(value, str):
        return label(LABELLED[name], value) if name in LABELLED else value
    if value is None:
        return "–"
    if isinstance(value, float) and not math.isfinite(value):
        return "–"
    if "," in spec and spec.endswith("f"):
        return money(value, currency, style)
    if spec.endswith("%"):
        places = int(spec[spec.index(".") + 1 : -1] or 0) if "." in spec else 0
        return style.number(100 * float(value), places) + "%"
    if spec.endswith("f") and "." in spec:
        places = int(spec[spec.index(".") + 1 : -1] or 0)
        return style.number(float(value), places)
    return rounded(value, style)


def _fill(template: str, values, currency: str, style: NumberStyle) -> str:
    parts = []
    for literal, name, spec, _conversion in _FORMATTER.parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(_value_text(name, values[name], spec or "", currency, style))
    return "".join(parts)


def evidence_text(item, currency: str = "", style: NumberStyle | None = None) -> str:  # noqa: ANN001 - an Evidence
    """The evidence in the active language, its money in `currency` (the base currency)."""
    style = style or NumberStyle.active()
    template = getattr(item, "template", "")
    values = getattr(item, "values", {})
    for text in (gettext(template), template):  # a faulty translation: the English template
        try:
            return _fill(text, values, currency, style)
        except (KeyError, IndexError, ValueError, TypeError):
            continue
    try:
        return item.text
    except (AttributeError, KeyError, IndexError, ValueError, TypeError):
        return template
