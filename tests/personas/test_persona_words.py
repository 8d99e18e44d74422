"""A persona in words: its title from the strongest trait, its figures as one sentence in the
page's language with the codes named, never shown raw."""

from __future__ import annotations

import pytest
from django.utils import translation

from daur.web.persona_words import sentence, title, trait_phrase, unique_titles

FIGURES = {
    "orders_per_year": 2.1, "order_value": 150_000.0, "discount_share": 0.64,
    "recency_days": 42.0, "channel": {"value": "whatsapp", "share": 0.7},
    "category": {"value": "Fashion", "share": 0.35}, "city": {"value": "Bandung", "share": 0.9},
    "relationship": {"value": "external", "share": 0.99},
    "orientation": {"value": "cost", "share": 0.8},
}
CITY = {"feature": "city", "value": "Bandung", "persona_mean": 0.9, "base_mean": 0.2, "z": 2.5}
DISCOUNT = {"feature": "discount_share", "value": "", "persona_mean": 0.64, "base_mean": 0.2,
            "z": 1.8}


def test_english_words_and_figures():
    with translation.override("en"):
        assert title([CITY, DISCOUNT]) == "Customers in Bandung"
        assert title([DISCOUNT]) == "Discount hunters"
        assert title([{**DISCOUNT, "z": -1.0}]) == "Full-price buyers"
        assert sentence(FIGURES, "IDR") == (
            "2.1 orders a year, IDR 150,000 per order, 64 % discount share, last order 42 days"
            " ago on average, mostly through WhatsApp, often Fashion, mostly in Bandung"
        )
        assert trait_phrase(CITY, "IDR") == "in Bandung: 90 % (all buyers 20 %)"
        assert unique_titles([[CITY, DISCOUNT], [CITY, DISCOUNT]]) == [
            "Customers in Bandung", "Customers in Bandung · Discount hunters"
        ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("id", "2,1 pesanan setahun, IDR 150.000 per pesanan, 64 % porsi diskon"),
        ("it", "2,1 ordini all'anno, IDR 150.000 per ordine, 64 % di quota sconti"),
    ],
)
def test_the_page_language_writes_the_sentence(language, expected):
    with translation.override(language):
        text = sentence(FIGURES, "IDR")
        assert text.startswith(expected)
        assert "whatsapp" not in text and "external" not in text
        assert title([CITY]) in ("Pelanggan di Bandung", "Clienti a Bandung")
