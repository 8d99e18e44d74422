"""In a real browser: a customer opens the NPS link of a survey sent to a segment, without
logging in and in their own language, answers 9 with a comment; the link cannot be used again;
and on /surveys/ the manager sees the answer in that segment's row and among the comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.test_browser import CHROMIUM, browser_page  # noqa: F401 - the fixture
from tests.web.test_browser_csp import RECORD_VIOLATIONS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.mark.django_db(transaction=True)
def test_a_customer_answers_nps_by_link_and_the_results_show_it_in_its_segment(
    live_server, browser_page  # noqa: F811
):
    from daur.actions.survey_rounds import survey_round_send
    from daur.campaigns.models import Segment
    from daur.surveys.models import SurveyAnswer, SurveyInvitation
    from tests.web.factories import customer_make, user_make

    customer = customer_make("Sari", country="ID", email="sari@example.id", email_consent=True)
    segment = Segment.objects.create(name="Pelanggan Indonesia", query="country=ID")
    survey_round_send(name="Q4", segment=segment)
    token = SurveyInvitation.objects.get(customer=customer).token
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/nps/{token}/")
    assert page.locator("html").get_attribute("lang") == "id"
    page.locator("label[for=nps-9]").click()
    page.fill("#comment", "Pelayanan cepat")
    page.click("button[type=submit]")
    page.locator(".alert-success").wait_for()
    answer = SurveyAnswer.objects.get(customer=customer)
    assert (answer.nps, answer.comment) == (9, "Pelayanan cepat")
    page.goto(f"{live_server.url}/nps/{token}/")
    assert page.locator(".alert-info").count() == 1  # answered already: no second answer
    assert SurveyAnswer.objects.filter(customer=customer).count() == 1
    assert page.evaluate("window.cspViolations") == []

    user_make("boss", role="manager")
    page.context.add_cookies(
        [{"name": "django_language", "value": "en", "url": live_server.url}]
    )
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-boss")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/surveys/")
    row = page.locator("tr", has_text="Pelanggan Indonesia")
    assert "1" in row.inner_text() and "100" in row.inner_text()  # one answer, a promoter
    assert "Pelayanan cepat" in page.locator("body").inner_text()
    assert page.evaluate("window.cspViolations") == []
