"""A campaign's read-out in words, in the page's language: "between +1.2 and +4.8 points",
"too small to measure" and why, the balance of the arms before the launch."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from daur.analytics.uplift import Estimate
from daur.definitions.rules import rules_config
from daur.insights.campaign_report import CampaignReport
from daur.web.templatetags.daur import money


def signed(value: float, places: int = 1) -> str:
    text = number_format(abs(value), decimal_pos=places, use_l10n=True, force_grouping=True)
    return f"{'−' if value < 0 else '+'}{text}"


def signed_money(value: float, currency: str) -> str:
    text = money(abs(value), currency)
    return f"{'−' if value < 0 else '+'}{text}"


def p_value(p: float) -> str:
    """"p = 0.042", or "p < 0.001" for a smaller one."""
    if p < 0.001:
        return "p < " + number_format(0.001, decimal_pos=3, use_l10n=True)
    return "p = " + number_format(p, decimal_pos=3, use_l10n=True)


def points_words(e: Estimate) -> str:
    """A difference of two rates, in percentage points, with its interval in words."""
    if e.estimate is None:
        return "–"
    if e.ci_low is None:
        return _("%(estimate)s points (no interval)") % {"estimate": signed(100 * e.estimate)}
    return _("%(estimate)s points, between %(low)s and %(high)s points (%(p)s)") % {
        "estimate": signed(100 * e.estimate),
        "low": signed(100 * e.ci_low),
        "high": signed(100 * e.ci_high),
        "p": p_value(e.p_value),
    }


def money_words(e: Estimate, currency: str) -> str:
    """A difference of amounts per member with its interval in words."""
    if e.estimate is None:
        return "–"
    if e.ci_low is None:
        return _("%(estimate)s (no interval)") % {"estimate": signed_money(e.estimate, currency)}
    return _("%(estimate)s, between %(low)s and %(high)s (%(p)s)") % {
        "estimate": signed_money(e.estimate, currency),
        "low": signed_money(e.ci_low, currency),
        "high": signed_money(e.ci_high, currency),
        "p": p_value(e.p_value),
    }


def number_words(e: Estimate) -> str:
    if e.estimate is None:
        return "–"
    if e.ci_low is None:
        return signed(e.estimate, 2)
    return _("%(estimate)s, between %(low)s and %(high)s") % {
        "estimate": signed(e.estimate, 2),
        "low": signed(e.ci_low, 2),
        "high": signed(e.ci_high, 2),
    }


def too_small_words() -> str:
    rules = rules_config().campaigns
    return _(
        "Too small to measure yet: each group needs at least %(members)s members, and in all at "
        "least %(converted)s members who bought and %(not)s who did not. The differences below "
        "have no interval."
    ) % {
        "members": number_format(rules.min_group_members, use_l10n=True, force_grouping=True),
        "converted": number_format(rules.min_conversions, use_l10n=True, force_grouping=True),
        "not": number_format(rules.min_non_conversions, use_l10n=True, force_grouping=True),
    }


def headline(report: CampaignReport) -> str:
    """The list's one line: the conversion uplift, or why there is none."""
    if not report.uplift.measurable:
        return _("too small to measure")
    return points_words(report.uplift.conversion)


@dataclass(frozen=True)
class BalanceRow:
    label: str
    treated: str
    holdout: str
    difference: str


def balance_rows(report: CampaignReport, currency: str) -> list[BalanceRow]:
    rows = []
    labels = {
        "pre_spend": (_("Spend before the launch, per member"), True),
        "pre_expected_purchases": (_("Expected purchases (90 days), per member"), False),
        "pre_clv": (_("Predicted 12-month CLV at launch, per member"), True),
    }
    for name, (label, is_money) in labels.items():
        b = report.balance[name]
        if is_money:
            rows.append(
                BalanceRow(
                    label,
                    money(b.treated, currency),
                    money(b.holdout, currency),
                    money_words(b.difference, currency),
                )
            )
        else:
            rows.append(
                BalanceRow(
                    label,
                    "–" if b.treated is None else number_format(b.treated, 2, use_l10n=True),
                    "–" if b.holdout is None else number_format(b.holdout, 2, use_l10n=True),
                    number_words(b.difference),
                )
            )
    return rows
