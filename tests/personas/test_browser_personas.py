"""In a real browser at 390 and 1440 px, in English, Indonesian and Italian: the personas, the
community pages and a segment's page with its edit panel open do not scroll sideways, the
segment's charts fit the phone's width, and attendance is ticked on the event's page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from daur.accounts.models import User
from tests.web.test_browser import ARTIFACTS, CHROMIUM, browser_page  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]

OVERFLOW = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
LONG = "Pelanggan setia dengan nama yang sangat panjang di Kabupaten Bandung Barat"


def _personas():
    from daur.insights.models import Persona, PersonaRun
    from tests.web.factories import run_make

    persona_run = PersonaRun.objects.create(
        run=run_make(), buyers=1_234_567, k=2, silhouette=0.41, sample_size=20_000
    )
    figures = {
        "orders_per_year": 2.1, "order_value": 98_765_432_109.0, "discount_share": 0.64,
        "recency_days": 42.0, "channel": {"value": "whatsapp", "share": 0.7},
        "category": {"value": "Peralatan Dapur dan Rumah Tangga Premium", "share": 0.55},
        "city": {"value": "Kabupaten Bandung Barat", "share": 0.9},
        "relationship": {"value": "intermediary", "share": 0.6},
    }
    traits = [
        {"feature": "city", "value": "Kabupaten Bandung Barat", "persona_mean": 0.9,
         "base_mean": 0.1, "z": 3.0},
        {"feature": "discount_share", "value": "", "persona_mean": 0.64, "base_mean": 0.2,
         "z": 2.0},
        {"feature": "order_value", "value": "", "persona_mean": 98_765_432_109.0,
         "base_mean": 1_000_000.0, "z": 1.5},
    ]
    for number in (1, 2):
        Persona.objects.create(
            persona_run=persona_run, key=number, number=number, size=600_000, share=0.49,
            figures=figures, traits=traits, centre={},
        )


def _community():
    from django.utils import timezone

    from daur.actions.community import club_create, club_members_add, event_create, invitations_send
    from tests.web.factories import customer_make

    customers = [customer_make(f"{LONG} {n}") for n in range(3)]
    event = event_create(
        name="Malam memasak bersama: resep rice cooker untuk keluarga besar Nusantara",
        starts_at=timezone.now() - timedelta(hours=1), place="Jl. Braga 12, " + LONG,
        capacity=12_345, description="Makan malam " * 30,
    )
    invitations_send(event=event, customers=customers)
    club = club_create(name="Klub " + LONG, description="Resep " * 40)
    club_members_add(club=club, customers=customers)
    return event, club


@pytest.mark.django_db(transaction=True)
def test_the_new_pages_hold_on_a_phone_and_a_desktop(live_server, browser_page):  # noqa: F811
    from daur.community.models import Invitation
    from tests.web.test_browser_widths import _segment

    User.objects.create_user("demo", password="demo", role="manager", is_staff=True)
    _personas()
    event, club = _community()
    segment = _segment()
    page = browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    pages = {
        "personas": "/personas/", "community": "/community/",
        "event": f"/community/events/{event.pk}/", "club": f"/community/clubs/{club.pk}/",
        "segment": f"/segments/{segment.pk}/",
    }
    wide, charts = {}, {}
    for language in ("en", "id", "it"):
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        for width in (390, 1440):
            page.set_viewport_size({"width": width, "height": 900})
            for name, url in pages.items():
                page.goto(f"{live_server.url}{url}")
                page.wait_for_selector(f"html[lang={language}]")
                if name == "segment":
                    page.click("details summary")
                    boxes = page.locator("svg.chart").evaluate_all(
                        "svgs => svgs.map(s => s.getBoundingClientRect().right)"
                    )
                    charts[language, width] = (len(boxes), max(boxes) <= width)
                scroll, client = page.evaluate(OVERFLOW)
                if scroll > client:
                    wide[language, width, name] = scroll
                    page.screenshot(
                        path=str(ARTIFACTS / f"wide-{language}-{width}-{name}.png"), full_page=True
                    )
    assert wide == {}
    assert set(charts.values()) == {(3, True)}
    # Ticking the check-box records the attendance (the form submits on change).
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    invitation = Invitation.objects.filter(event=event).order_by("customer__name").first()
    page.goto(f"{live_server.url}/community/events/{event.pk}/")
    with page.expect_navigation():
        page.check(f"#attended-{invitation.pk}")
    assert page.locator(f"#attended-{invitation.pk}").is_checked()
    invitation.refresh_from_db()
    assert invitation.attended and invitation.attendance_id
