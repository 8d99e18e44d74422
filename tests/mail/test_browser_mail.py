"""In a real browser: a marketer sends the queued e-mail from the outbox through a real SMTP
server, opens a message as sent; the customer clicks the unsubscribe link of the e-mail received,
confirms, and is opted out; the same link again says so. The outbox and the unsubscribe page hold
at 390 and 1440 px, in English and Italian."""

from __future__ import annotations

from pathlib import Path

import pytest

from daur.accounts.models import User
from daur.actions.mail import emails_queue
from daur.engagement.models import EmailConsent, EmailConsentChange
from tests.web.factories import customer_make
from tests.web.test_browser import CHROMIUM, browser_page  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]
OVERFLOW = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def _fits(page) -> None:  # noqa: ANN001
    scroll, client = page.evaluate(OVERFLOW)
    assert scroll <= client, page.url


@pytest.mark.django_db(transaction=True)
def test_the_unsubscribe_link_of_a_sent_email_opts_the_customer_out(
    live_server, browser_page, smtp, settings  # noqa: F811
):
    settings.DAUR_BASE_URL = live_server.url
    User.objects.create_user("mk", password="mk", role="marketer")
    customer = customer_make(
        "PT Sumber Makmur Sejahtera Abadi Nusantara Internasional", language="it",
        email="purchasing.department.long.address@sumber-makmur-sejahtera.example.com",
    )
    emails_queue([{
        "key": "campaign:1:member:1", "customer_id": customer.pk, "language": "",
        "subject": "Le novità della stagione per i nostri clienti più fedeli in tutta Italia",
        "body": "Caro cliente,\necco le novità.", "source": "campaign:1",
    }])
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "mk")
    page.fill("#id_password", "mk")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("button", name="Marketing").click()  # the team's menu
    page.get_by_role("link", name="Outbox").first.click()
    page.get_by_role("button", name="Send the queued e-mail now").click()
    page.get_by_text("1 e-mail sent.").wait_for()
    for width in (390, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        _fits(page)
    page.get_by_role("link", name="Le novità della stagione", exact=False).click()
    page.get_by_role("heading", name="The message as sent").wait_for()
    assert "Annulla l'iscrizione con un clic" in page.locator("pre").inner_text()
    for width in (390, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        _fits(page)

    (received,) = smtp.messages
    link = received["List-Unsubscribe"].strip().removeprefix("<").removesuffix(">")
    assert link.startswith(live_server.url)
    page.context.clear_cookies()  # the customer: no session
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "it"
    for width in (390, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        _fits(page)
    page.get_by_role("button", name="Annulla la mia iscrizione").click()
    page.get_by_text("La tua iscrizione è annullata").wait_for()
    assert EmailConsent.objects.get(customer=customer).status == "opted_out"
    page.goto(link)
    assert page.get_by_text("La tua iscrizione è già annullata").count() == 1
    assert page.get_by_role("button").count() == 0
    page.goto(link[:-4] + "abc/")
    # Nothing of a tampered token is trusted, its language neither: the browser's.
    assert page.locator("h1").inner_text() == "This unsubscribe link is not valid"
    assert EmailConsentChange.objects.count() == 1
