"""The language to address a customer in (a page they open without logging in, an e-mail): the
language of their country where Daur speaks it, else English."""

from __future__ import annotations

from django.conf import settings

# Countries (ISO 3166 two-letter codes) whose customers are addressed in one of Daur's languages.
COUNTRY_LANGUAGES = {"ID": "id", "IT": "it", "SM": "it", "VA": "it"}


def customer_language(customer) -> str:  # noqa: ANN001 - a Customer
    code = COUNTRY_LANGUAGES.get((customer.country or "").strip().upper(), "en")
    known = {language for language, _name in settings.LANGUAGES}
    return code if code in known else "en"
