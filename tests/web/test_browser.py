"""In a real browser: headless Chromium (Debian's package) logs in and sees the home page."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from daur.accounts.models import User
from daur.customers.models import Customer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def browser_page():
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are the test's.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        yield page
        browser.close()


@pytest.mark.django_db(transaction=True)
def test_a_manager_logs_in_and_sees_the_counts_with_hostile_names_escaped(
    live_server, browser_page
):
    User.objects.create_user(
        "demo", password="demo", role="manager", is_staff=True, is_superuser=True
    )
    Customer.objects.create(external_id="C1", name="<script>window.pwned=1</script>")
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Daur"
    row = page.locator("tr", has_text="Customers")
    assert row.locator("td.n").inner_text() == "1"
    page.goto(f"{live_server.url}/admin/customers/customer/")
    assert page.get_by_text("<script>window.pwned=1</script>").count() == 1
    assert page.evaluate("window.pwned") is None
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-customers.png"), full_page=True)
