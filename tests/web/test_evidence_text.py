"""Evidence and the Value card as the page's language writes numbers: money with its currency,
decimals and grouping of the language, thresholds rounded; a EUR customer's value also in EUR."""

from __future__ import annotations

from string import Formatter

import pytest
from django.test import override_settings
from django.utils import translation

from daur.analytics.evidence import Evidence
from daur.web.evidence_messages import EVIDENCE_TEMPLATES
from daur.web.evidence_text import evidence_text
from tests.web.factories import customer_make, order_make, score_make

SPEND = "Spend {spend:,.2f} (units unknown), in the top {share:.0%} of buying customers (at least {cut:,.2f})"  # noqa: E501
UNITS = "{units} units, in the top {share:.0%} of buying customers (at least {cut})"
GAP = (
    "No gap between orders longer than {lapse_days} days, and {discount_share:.0%} of orders on "
    "discount (below {threshold:.0%})"
)
ACTIVE = "Active: stage {stage}, P(alive) {p_alive:.2f} (at least {threshold:.2f})"


def _text(template: str, language: str, currency: str = "IDR", **values) -> str:
    with translation.override(language):
        return evidence_text(Evidence("x", template, values), currency)


@pytest.mark.parametrize(
    ("language", "spend", "cut"),
    [
        ("en", "IDR 34,208,775", "IDR 20,000,000"),
        ("id", "IDR 34.208.775", "IDR 20.000.000"),
        ("it", "IDR 34.208.775", "IDR 20.000.000"),
    ],
)
def test_money_has_its_currency_and_the_languages_grouping(language, spend, cut):
    text = _text(SPEND, language, spend=34_208_775.4, share=0.2, cut=19_999_999.99999998)
    assert spend in text and cut in text and "20%" in text
    assert "19999" not in text and "19,999" not in text and "19.999" not in text


def test_money_in_a_currency_with_cents_keeps_two_decimals():
    assert "EUR 1.954,79" in _text(SPEND, "it", "EUR", spend=1954.789, share=0.1, cut=1500.0)
    assert "EUR 1,954.79" in _text(SPEND, "en", "EUR", spend=1954.789, share=0.1, cut=1500.0)


@pytest.mark.parametrize("language", ["en", "id", "it"])
def test_a_computed_threshold_is_rounded(language):
    text = _text(UNITS, language, units=25, share=0.1, cut=19.99999998)
    assert " 20)" in text and "19.9" not in text and "19,9" not in text


@pytest.mark.parametrize(
    ("language", "days", "p_alive"),
    [("en", "1,234.5", "0.97"), ("id", "1.234,5", "0,97"), ("it", "1.234,5", "0,97")],
)
def test_decimals_follow_the_language(language, days, p_alive):
    gap = _text(GAP, language, lapse_days=1234.5, discount_share=0.27, threshold=0.5)
    assert days in gap and "27%" in gap and "50%" in gap
    active = _text(ACTIVE, language, stage="retention", p_alive=0.9678, threshold=0.7)
    assert p_alive in active
    assert ("0.70" if language == "en" else "0,70") in active


@pytest.mark.parametrize(
    ("language", "stage"), [("en", "Retention"), ("id", "Retensi"), ("it", "Fidelizzazione")]
)
def test_a_stage_code_is_shown_by_its_name(language, stage):
    text = _text(ACTIVE, language, stage="retention", p_alive=0.9, threshold=0.7)
    assert stage in text and "retention" not in text


def test_a_faulty_translation_falls_back_to_the_english_template():
    text = _text("{orders} orders (at least {threshold})", "en", orders=3)  # no threshold
    assert text == "{orders} orders (at least {threshold})"


def test_every_grouped_two_decimal_value_of_the_templates_is_money():
    """The formatter reads `,.2f` as money: no template may use it for anything else."""
    money_names = {"spend", "cut", "clv_12m", "cost", "aov", "recent", "previous", "median"}
    for template in EVIDENCE_TEMPLATES:
        for _, name, spec, _ in Formatter().parse(template):
            if spec and "," in spec:
                assert name in money_names, (name, template)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "eur_clv", "eur_order", "rate"),
    [
        ("en", "EUR 100.00", "EUR 14.29", "EUR 1.00 = IDR 17,500"),
        ("it", "EUR 100,00", "EUR 14,29", "EUR 1,00 = IDR 17.500"),
        ("id", "EUR 100,00", "EUR 14,29", "EUR 1,00 = IDR 17.500"),
    ],
)
def test_a_eur_customers_value_is_shown_in_eur_beside_the_base_currency(
    client, manager, language, eur_clv, eur_order, rate
):
    with override_settings(DAUR_DEFAULT_CURRENCY="IDR", DAUR_EXCHANGE_RATES={"EUR": 17500.0}):
        eur = customer_make("Chiara")
        score_make(eur, clv=1_750_000.0)  # an expected order of 250,000
        order_make(eur, amount="120.00", currency="EUR")
        order_make(eur, amount="80.00", currency="EUR")
        order_make(eur, amount="1000000", currency="IDR")  # most of its orders are in EUR
        idr = customer_make("Budi")
        score_make(idr, clv=1_750_000.0)
        order_make(idr, amount="1000000", currency="IDR")
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
        body = client.get(f"/customers/{eur.pk}/").content.decode()
        assert eur_clv in body and eur_order in body
        assert rate.replace(" = ", " =</span> <span class=\"text-nowrap\">") in body
        assert ("IDR 1,750,000" if language == "en" else "IDR 1.750.000") in body
        assert "EUR" not in client.get(f"/customers/{idr.pk}/").content.decode()
