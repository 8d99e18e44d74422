"""In a real browser, without logging in: a customer opens the satisfaction link of a resolved
ticket, rates it and comments; the answer is on the ticket, and the link cannot be used again."""

from __future__ import annotations

from pathlib import Path

import pytest

from daur.servicedesk.models import Ticket
from daur.servicedesk.tokens import csat_token_make
from tests.web.test_browser import CHROMIUM, browser_page  # noqa: F401 - the fixture
from tests.web.test_browser_csp import RECORD_VIOLATIONS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.mark.django_db(transaction=True)
def test_a_customer_answers_csat_without_logging_in(live_server, browser_page):  # noqa: F811
    from daur.actions.servicedesk import ticket_open, ticket_status_change
    from tests.web.factories import customer_make, user_make

    agent = user_make("agent-b", role="support_agent")
    ticket = ticket_open(customer=customer_make("Giulia", country="IT"), kind="complaint")
    for status in ("in_progress", "resolved"):
        ticket_status_change(ticket_id=ticket.pk, status=status, user=agent)
    token = csat_token_make(Ticket.objects.get(pk=ticket.pk))
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/csat/{token}/")
    assert page.locator("html").get_attribute("lang") == "it"
    page.locator("label[for=rating-5]").click()
    page.fill("#comment", "Gentilissimi")
    page.click("button[type=submit]")
    page.locator(".alert-success").wait_for()
    assert "Grazie" in page.locator(".alert-success").inner_text()
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.satisfaction, stored.satisfaction_comment) == (5, "Gentilissimi")
    page.goto(f"{live_server.url}/csat/{token}/")
    assert "Hai già risposto" in page.locator(".alert-info").inner_text()
    assert page.evaluate("window.cspViolations") == []
