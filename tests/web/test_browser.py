"""In a real browser: headless Chromium logs in, filters the list, opens a 360, switches language,
opens the model page."""

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
def test_a_manager_logs_in_filters_opens_a_customer_and_switches_language(
    live_server, browser_page
):
    from tests.web.factories import order_make, run_make, score_make

    User.objects.create_user(
        "demo", password="demo", role="manager", is_staff=True, is_superuser=True
    )
    run = run_make()
    hostile = Customer.objects.create(external_id="C1", name="<script>window.pwned=1</script>")
    score_make(hostile, stage="lapsed", r=1, f=1, strategy="regain", run=run)
    budi = Customer.objects.create(external_id="C2", name="Budi Santoso", city="Bandung")
    score_make(budi, stage="retention", types=("loyal",), r=5, f=5, strategy="protect", run=run)
    order_make(budi, lines=2)
    page = browser_page
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert page.get_by_role("heading", name="RFM grid").count() == 1
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.goto(f"{live_server.url}/customers/")
    assert page.get_by_text("<script>window.pwned=1</script>").count() == 1
    assert page.evaluate("window.pwned") is None
    page.select_option("#id_stage", "retention")  # htmx swaps the table in place
    # A locator, not wait_for_function: its string would be eval'ed, which the CSP refuses.
    page.get_by_text("<script>window.pwned=1</script>").wait_for(state="detached")
    assert "stage=retention" in page.url
    page.screenshot(path=str(ARTIFACTS / "customers-filtered.png"), full_page=True)

    page.click("text=Budi Santoso")
    page.wait_for_url(f"{live_server.url}/customers/{budi.pk}/")
    assert page.locator("h1").inner_text() == "Budi Santoso"
    assert page.get_by_text("Protect").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "customer-360.png"), full_page=True)

    page.select_option("#language", "it")
    page.wait_for_load_state("load")
    page.wait_for_selector("html[lang=it]")
    assert page.get_by_text("Cosa fare ora").count() == 1
    page.screenshot(path=str(ARTIFACTS / "customer-360-it.png"), full_page=True)

    from django.utils import timezone

    from tests.web.model_fits import full_fits

    run.fits, run.finished_at = full_fits(), timezone.now()  # a new finish: read afresh
    run.save()
    page.click("text=Modelli")
    page.wait_for_url(f"{live_server.url}/model/")
    assert page.locator("h1").inner_text() == "Modelli"
    assert page.locator("svg.model-plot circle").count() == 4 * 8  # actual and three models
    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "model-it-390.png"), full_page=True)
