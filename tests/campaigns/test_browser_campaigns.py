"""In a real browser: a marketer creates a coupon campaign on the form, launches it after the
confirmation and reads the result; the campaign pages hold at 390 and 1440 px in en/id/it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from daur.accounts.models import User
from tests.web.test_browser import ARTIFACTS, CHROMIUM, browser_page  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]
OVERFLOW = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.mark.django_db(transaction=True)
def test_a_marketer_creates_launches_and_reads_a_campaign(live_server, browser_page):  # noqa: F811
    from daur.actions.segments import segment_create
    from daur.campaigns.models import Campaign
    from tests.web.factories import customer_make, order_make, run_make, score_make

    User.objects.create_user("mk", password="pw-mk", role="marketer")
    run = run_make()
    for n in range(40):
        customer = customer_make(f"Pelanggan Dengan Nama Panjang Sekali {n}", country="ID")
        score_make(customer, stage="retention", run=run, clv=98_765_432.0 * (n + 1))
    segment_create(name="Pelanggan setia dengan nilai seumur hidup tertinggi", query="stage=retention")
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "mk")
    page.fill("#id_password", "pw-mk")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("button", name="Marketing").click()  # the team's menu
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.fill("#id_name", "Kupon kembali belanja untuk pelanggan setia yang lama tidak membeli")
    page.select_option("#id_segment", label="Pelanggan setia dengan nilai seumur hidup tertinggi")
    page.select_option("#id_offer", "coupon")
    page.fill("#id_holdout_percent", "25")
    page.fill("#id_discount_percent", "15")
    page.fill("#id_cost", "2500000")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url("**/campaigns/*/")
    campaign = Campaign.objects.get()
    page.get_by_text("Launch…").click()
    page.check("#confirm")
    page.get_by_role("button", name="Launch now").click()
    page.get_by_text("Balance of the groups before the launch").first.wait_for()
    campaign.refresh_from_db()
    assert campaign.status == "launched" and campaign.members.count() == 40
    for member in campaign.members.filter(group="treated")[:10]:
        order_make(member.customer, at=campaign.launched_at + timedelta(hours=1), lines=0)
    page.reload()
    assert "Too small to measure" in page.content()
    wide = {}
    for language in ("en", "id", "it"):
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        for width in (390, 1440):
            page.set_viewport_size({"width": width, "height": 900})
            for name, url in {"list": "/campaigns/", "new": "/campaigns/new/",
                              "detail": f"/campaigns/{campaign.pk}/"}.items():
                page.goto(f"{live_server.url}{url}")
                page.wait_for_selector(f"html[lang={language}]")
                scroll, client = page.evaluate(OVERFLOW)
                if scroll > client:
                    wide[language, width, name] = scroll
                    ARTIFACTS.mkdir(exist_ok=True)
                    page.screenshot(path=str(ARTIFACTS / f"wide-campaign-{language}-{width}-{name}.png"), full_page=True)
    assert wide == {}
