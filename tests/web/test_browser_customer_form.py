"""In a real browser: a manager adds a customer, is told in place what to correct (htmx), lands on
its 360 page, edits it from there and reads who changed what in its history."""

from __future__ import annotations

from pathlib import Path

import pytest

from daur.accounts.models import User
from daur.customers.models import Customer
from tests.web.test_browser import CHROMIUM, browser_page  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.mark.django_db(transaction=True)
def test_a_manager_adds_a_customer_corrects_it_in_place_and_edits_it(live_server, browser_page):  # noqa: F811
    User.objects.create_user(
        "demo", password="demo", role="manager", first_name="Dewi", last_name="Lestari"
    )
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/customers/")
    page.get_by_role("link", name="New customer").click()
    page.fill("#id_name", "Toko <b>Maju</b>")
    page.fill("#id_email", "not an address")
    page.fill("#id_phone", "0812 3456 7890")
    page.get_by_role("button", name="Add customer").click()
    page.locator("#id_email_error").wait_for()  # the form came back in place
    assert "e-mail address" in page.locator("#id_email_error").inner_text()
    assert page.locator("#id_name").input_value() == "Toko <b>Maju</b>"  # the typing is kept
    page.fill("#id_email", "Toko@Maju.Example")
    page.get_by_role("button", name="Add customer").click()
    customer_url = page.locator("h1", has_text="Toko <b>Maju</b>")
    customer_url.wait_for()
    assert page.get_by_text("Customer added.").count() == 1
    customer = Customer.objects.get()
    assert (customer.email, customer.phone) == ("toko@maju.example", "+6281234567890")
    page.get_by_role("link", name="Edit", exact=True).click()
    page.fill("#id_city", "Bandung")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Changes saved.").wait_for()
    history = page.locator("#history-title + ol")
    assert "Dewi Lestari" in history.inner_text()
    assert "Bandung" in history.locator("li").first.inner_text()
