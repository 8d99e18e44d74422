"""In a real browser the pages keep their Content-Security-Policy: no violation is reported
while they load, swap parts with htmx and switch language."""

from __future__ import annotations

from pathlib import Path

import pytest

from daur.accounts.models import User
from tests.web.test_browser import CHROMIUM, browser_page  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.mark.django_db(transaction=True)
def test_no_page_breaks_the_content_security_policy(live_server, browser_page):  # noqa: F811
    from tests.web.factories import customer_make, order_make, run_make, score_make

    User.objects.create_user("demo", password="demo", role="manager", is_staff=True,
                             is_superuser=True)
    run = run_make()
    for i, stage in enumerate(("conversion", "retention", "lapsed")):
        customer = customer_make(f"Customer {i}")
        score_make(customer, stage=stage, r=5 - i, f=4, run=run)
        order_make(customer)
    reseller = customer_make("Mitra", relationship="intermediary")
    order_make(customer, reseller=reseller)
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    seen: dict[str, list[str]] = {}

    def visit(url: str) -> None:
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("load")
        seen[url] = page.evaluate("window.cspViolations")

    visit("/login/")
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    seen["/ after login"] = page.evaluate("window.cspViolations")
    assert page.locator(".rfm td[class^=heat-]").count() == 25  # the heat map's shades
    visit("/customers/")
    page.select_option("#id_stage", "retention")  # htmx swaps the table in place
    page.wait_for_url("**stage=retention**")  # (wait_for_function would need eval)
    seen["/customers/ filtered"] = page.evaluate("window.cspViolations")
    # "Save as segment" saves the filter htmx put in place (its query lives in the table part).
    page.fill("#segment-name", "Retained")
    page.click("#segment-save button[type=submit]")
    page.wait_for_url("**/segments/*/")
    from daur.campaigns.models import Segment
    from daur.insights.models import SegmentSnapshot

    segment = Segment.objects.get(name="Retained")
    assert segment.query == "stage=retention"
    for n in range(2):
        SegmentSnapshot.objects.create(segment=segment, run=run_make(), size=n, revenue=n, clv=n)
    visit(f"/segments/{segment.pk}/")
    assert page.locator("svg.chart polyline").count() == 3
    visit("/segments/")
    visit("/resellers/")
    assert page.locator("svg.sparkline polyline").count() == 1
    visit(f"/customers/{customer.pk}/")
    page.select_option("#language", "it")  # submitted by daur.js, not an inline handler
    page.wait_for_selector("html[lang=it]")
    seen["after the language switch"] = page.evaluate("window.cspViolations")
    visit("/admin/")
    assert {url: found for url, found in seen.items() if found} == {}
