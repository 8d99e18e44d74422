"""Login, logout, the lock-out after repeated failures, and switching the language."""

from __future__ import annotations

import pytest

from daur.web.templatetags.daur import money
from tests.web.factories import customer_make, score_make, user_make

pytestmark = pytest.mark.django_db


def test_login_and_logout_with_our_own_pages(client, axes_reset):
    user_make("ani", role="manager")
    page = client.get("/login/")
    assert page.status_code == 200 and b"Log in to Daur" in page.content
    response = client.post("/login/", {"username": "ani", "password": "pw-ani"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_five_failures_lock_the_account_even_with_the_right_password(client, axes_reset):
    user_make("ani", role="manager")
    for _ in range(5):
        response = client.post("/login/", {"username": "ani", "password": "wrong"})
    assert response.status_code in (403, 429)
    locked = client.post("/login/", {"username": "ani", "password": "pw-ani"})
    assert locked.status_code in (403, 429)
    assert b"Too many failed logins" in locked.content
    from axes.utils import reset

    reset(username="ani")
    assert client.post("/login/", {"username": "ani", "password": "pw-ani"}).status_code == 302


def test_the_session_and_csrf_cookies_are_http_only(settings):
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


@pytest.mark.parametrize(
    ("language", "stage", "title"),
    [("id", "Retensi", "Pelanggan"), ("it", "Fidelizzazione", "Clienti")],
)
def test_switching_language_translates_pages_and_labels(client, manager, language, stage, title):
    score_make(customer_make("Ani"), stage="retention")
    response = client.post("/i18n/setlang/", {"language": language, "next": "/customers/"})
    assert response.status_code == 302
    body = client.get("/customers/").content.decode()
    assert f'lang="{language}"' in body
    assert stage in body and title in body


def test_money_follows_the_locale_and_the_currency():
    from django.utils import translation

    with translation.override("id"):
        assert money(1250000, "IDR") == "IDR 1.250.000"
        assert money(12.5, "EUR") == "EUR 12,50"
    with translation.override("it"):
        assert money(1234.5, "EUR") == "EUR 1.234,50"
    with translation.override("en"):
        assert money(1250000.4, "IDR") == "IDR 1,250,000"


@pytest.mark.parametrize("language", ["en", "id", "it"])
def test_the_page_number_style_writes_what_django_writes(language):
    """NumberStyle formats groups of three itself; Django's number_format is the reference."""
    import random
    from decimal import Decimal

    from django.utils import translation
    from django.utils.formats import number_format

    from daur.web.templatetags.daur import NumberStyle

    rng = random.Random(language)
    with translation.override(language):
        style = NumberStyle.active()
        for _ in range(3000):
            places = rng.choice([0, 2])
            value = Decimal(rng.randint(-(10**15), 10**15)).scaleb(-places)
            assert style.number(value, places, grouping=True) == number_format(
                value, decimal_pos=places, use_l10n=True, force_grouping=True
            ), value
        assert style.number(0.456, 2) == number_format(0.46, 2)  # rounded, not cut


def test_every_evidence_template_of_the_analytics_is_listed_for_translation():
    from daur.analytics import lifecycle, loyalty, orientation, strategy, typology
    from daur.web.evidence_messages import EVIDENCE_TEMPLATES

    for module in (lifecycle, typology, loyalty, orientation, strategy):
        for code, template in module.TEMPLATES.items():
            assert template in EVIDENCE_TEMPLATES, f"{module.__name__}.{code}"


def test_evidence_is_translated_then_filled_in():
    from django.utils import translation

    from daur.analytics.evidence import Evidence
    from daur.analytics.loyalty import TEMPLATES
    from daur.web.templatetags.daur import evidence

    item = Evidence(code="repeat_purchase", template=TEMPLATES["repeat_purchase"],
                    values={"orders": 4, "threshold": 3})
    with translation.override("it"):
        assert evidence(item) == "4 ordini (almeno 3)"
    broken = Evidence(code="x", template="{missing}", values={})
    assert evidence(broken) == "{missing}"
