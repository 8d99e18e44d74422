"""In a real browser at 390 and 1440 px: the duplicates page fits the width, a manager keeps one
customer of a pair, and undoes the merge."""

from __future__ import annotations

from pathlib import Path

import pytest

from daur.accounts.models import User
from daur.customers.models import Customer
from daur.leads.models import Lead
from tests.web.test_browser import ARTIFACTS, CHROMIUM, browser_page  # noqa: F401 - the fixture
from tests.web.test_browser_widths import OVERFLOW

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _pairs():
    from tests.duplicates.factories import customer

    long = "PT Sumber Makmur Sejahtera Abadi Nusantara Internasional"
    customer("C1", long, kind="organization",
             email="purchasing.department.long.address@sumber-makmur-sejahtera.example.com",
             phone="+62 812-3456-7890", city="Kabupaten Bandung Barat")  # fmt: skip
    customer("C2", long.upper(), kind="organization", phone="0812 3456 7890",
             email="Purchasing.Department.Long.Address@sumber-makmur-sejahtera.example.com")  # fmt: skip
    Lead.objects.create(external_id="LD1", name=long, company=long, stage="won", source="event",
                        email="PURCHASING.department.long.address@sumber-makmur-sejahtera.example.com")  # fmt: skip
    for i in range(30):
        customer(f"A{i}", f"Pelanggan Dengan Nama Panjang {i}", email=f"p{i}@example.com")
        customer(f"B{i}", f"pelanggan dengan nama panjang {i}", email=f"P{i}@EXAMPLE.com")


@pytest.mark.django_db(transaction=True)
def test_the_duplicates_page_fits_and_merges_and_undoes(live_server, browser_page):  # noqa: F811
    User.objects.create_user("demo", password="demo", role="manager", is_staff=True)
    _pairs()
    page = browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    wide = {}
    for width in (390, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in {
            "first": "/customers/duplicates/",
            "second": "/customers/duplicates/?page=2",
        }.items():
            page.goto(f"{live_server.url}{url}")
            scroll, client = page.evaluate(OVERFLOW)
            if scroll > client:
                wide[width, name] = scroll
                page.screenshot(
                    path=str(ARTIFACTS / f"wide-duplicates-{width}-{name}.png"), full_page=True
                )
    assert wide == {}
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/customers/duplicates/")
    assert "31 suspected pairs" in page.locator(".result-count").inner_text()
    page.screenshot(path=str(ARTIFACTS / "duplicates-390.png"), full_page=False)
    page.goto(f"{live_server.url}/leads/{Lead.objects.get().pk}/convert/")
    assert page.locator("input[name=into]:checked").get_attribute("value") != "new"
    page.screenshot(path=str(ARTIFACTS / "convert-390.png"), full_page=False)
    page.goto(f"{live_server.url}/customers/duplicates/")
    page.get_by_role("button", name="Keep C1", exact=True).click()
    page.wait_for_selector(".alert-success")
    assert "Merged C2 into C1" in page.locator(".alert-success").inner_text()
    assert not Customer.objects.filter(external_id="C2").exists()
    page.get_by_role("button", name="Undo").first.click()
    page.wait_for_selector(".alert-success")
    assert "C2 is back" in page.locator(".alert-success").inner_text()
    assert Customer.objects.filter(external_id="C2").exists()
    assert page.evaluate(OVERFLOW)[0] <= page.evaluate(OVERFLOW)[1]
