"""The service loop end to end, in a real browser: a customer's e-mail reaches the desk (the
inbound webhook) and opens a ticket; a support agent takes it, replies (the reply goes out by
e-mail through a real SMTP server with the ticket's reference) and resolves it within its SLA;
the customer rates it by the satisfaction link and answers an NPS survey by link, both without
logging in; the agent sees the answer in its segment on /surveys/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from tests.desk_mail.mails import mail
from tests.web.test_browser import CHROMIUM, browser_page  # noqa: F401 - the fixture
from tests.web.test_browser_csp import RECORD_VIOLATIONS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.mark.django_db(transaction=True)
def test_an_email_becomes_a_resolved_ticket_rated_and_surveyed(
    live_server, browser_page, settings, smtp  # noqa: F811
):
    from daur.actions.survey_rounds import survey_round_send
    from daur.campaigns.models import Segment
    from daur.servicedesk.models import SlaPolicy, Ticket
    from daur.surveys.models import SurveyAnswer, SurveyInvitation
    from tests.web.factories import customer_make, user_make

    settings.DAUR_INBOUND_EMAIL_SECRET = "s3cret"
    SlaPolicy.objects.create(priority="normal", response_minutes=60, resolution_minutes=480)
    customer = customer_make(
        "Ayu Lestari", country="ID", email="ayu@shop.example", email_consent=True
    )
    user_make("agent-a", role="support_agent")

    # The customer's e-mail opens a ticket.
    arrived = Client().post(
        "/inbound/email/", data=mail(subject="Paket belum datang"),
        content_type="message/rfc822", HTTP_X_DAUR_INBOUND_SECRET="s3cret",
    )
    assert arrived.status_code == 201 and arrived.json()["outcome"] == "opened"
    ticket = Ticket.objects.get()
    assert ticket.customer_id == customer.pk

    # The agent works it in the browser: in progress, a reply, resolved.
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "agent-a")
    page.fill("#id_password", "pw-agent-a")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/tickets/")
    assert "Paket belum datang" in page.locator("body").inner_text()  # in the queue
    page.locator(f"a[href='/tickets/{ticket.pk}/']").first.click()
    page.wait_for_url(f"{live_server.url}/tickets/{ticket.pk}/")
    page.locator("button[name=status][value=in_progress]").click()
    page.wait_for_load_state()
    page.fill("#reply-body", "Paket Anda sudah dikirim ulang hari ini.")
    page.locator("button[name=op][value=reply]").click()
    page.wait_for_load_state()
    page.locator("button[name=status][value=resolved]").click()
    page.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert ticket.first_response_at and ticket.resolved_at and ticket.sla_breached_at is None
    assert page.locator(".sla-met").count() == 2 and page.locator(".sla-breached").count() == 0
    to_her = [m for m in smtp.messages if "ayu@shop.example" in m["To"]]
    replies = [m for m in to_her if "dikirim ulang" in m.as_string()]
    assert len(replies) == 1 and ticket.external_id in replies[0]["Subject"]
    csat_url = page.locator("a[href*='/csat/']").get_attribute("href")
    assert page.evaluate("window.cspViolations") == []

    # The customer rates the ticket and answers the survey, without logging in.
    customer_page = page.context.browser.new_page()
    customer_page.goto(csat_url.replace("https://crm.example.com", live_server.url))
    customer_page.locator("label[for=rating-5]").click()
    customer_page.click("button[type=submit]")
    customer_page.locator(".alert-success").wait_for()
    ticket.refresh_from_db()
    assert ticket.satisfaction == 5
    segment = Segment.objects.create(name="Pelanggan Indonesia", query="country=ID")
    survey_round_send(name="Q4", segment=segment)
    token = SurveyInvitation.objects.get(customer=customer).token
    customer_page.goto(f"{live_server.url}/nps/{token}/")
    customer_page.locator("label[for=nps-10]").click()
    customer_page.fill("#comment", "Cepat sekali")
    customer_page.click("button[type=submit]")
    customer_page.locator(".alert-success").wait_for()
    assert SurveyAnswer.objects.get(customer=customer).nps == 10
    customer_page.close()

    # The agent finds the answer in its segment.
    page.goto(f"{live_server.url}/surveys/")
    row = page.locator("tr", has_text="Pelanggan Indonesia").first.inner_text()
    assert "100" in row and "n = 1" in row
    assert "Cepat sekali" in page.locator("body").inner_text()
    assert page.evaluate("window.cspViolations") == []
