"""In a real browser, on a phone (390 px) and a desktop (1440 px), in English and Indonesian: the
service desk's pages (queue, ticket, new ticket, dashboard, survey results and answer pages) never
scroll sideways, with long names and hostile text, and break no Content-Security-Policy rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.test_browser import CHROMIUM, browser_page  # noqa: F401 - the fixture
from tests.web.test_browser_csp import RECORD_VIOLATIONS
from tests.web.test_browser_widths import OVERFLOW

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.mark.django_db(transaction=True)
def test_the_desk_pages_fit_a_phone_and_a_desktop(live_server, browser_page):  # noqa: F811
    from daur.accounts.models import User
    from daur.actions.servicedesk import ticket_open, ticket_reply
    from daur.actions.survey_rounds import survey_round_send
    from daur.campaigns.models import Segment
    from daur.servicedesk.models import SlaPolicy
    from daur.surveys.models import SurveyInvitation
    from tests.web.factories import customer_make

    User.objects.create_user("ayu", password="pw", role="support_agent", is_staff=False)
    SlaPolicy.objects.create(priority="normal", response_minutes=60, resolution_minutes=480)
    customer = customer_make(
        "PT Sumber Makmur Sejahtera Abadi Nusantara Internasional", country="ID",
        email="purchasing.department@sumber-makmur.example.com", email_consent=True,
    )
    ticket = ticket_open(
        customer=customer, kind="complaint", subject="Paket rusak " * 15,
        body="<script>alert(1)</script>" + "sangat-panjang-tanpa-spasi" * 20,
    )
    ticket_reply(ticket_id=ticket.pk, body="Kami cek " * 40, user=None, kind="note")
    survey_round_send(name="Q3", segment=Segment.objects.create(name="Semua", query=""))
    token = SurveyInvitation.objects.get().token
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "ayu")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    paths = [
        "/tickets/", f"/tickets/{ticket.pk}/", "/tickets/new/", "/tickets/dashboard/",
        "/surveys/", f"/nps/{token}/",
    ]
    for language in ("en", "id"):
        page.context.add_cookies([{"name": "django_language", "value": language,
                                   "url": live_server.url}])
        for width in (390, 1440):
            page.set_viewport_size({"width": width, "height": 900})
            for path in paths:
                response = page.goto(f"{live_server.url}{path}")
                assert response.status == 200, path
                scroll, client = page.evaluate(OVERFLOW)
                assert scroll <= client, f"{path} at {width} px ({language}): {scroll} > {client}"
                assert page.evaluate("window.cspViolations") == [], path
