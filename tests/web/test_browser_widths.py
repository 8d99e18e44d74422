"""In a real browser, on a phone (360 and 390 px) and a desktop (1440 px), in English and
Italian: no page scrolls sideways (the customer forms too) (wide tables scroll inside their card), the error pages keep
the navigation, and a surname typed in the search finds its customer."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from daur.accounts.models import User
from daur.accounts.tokens import token_create
from tests.web.test_browser import ARTIFACTS, CHROMIUM, browser_page  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]

WIDTHS = (360, 390, 1440)
OVERFLOW = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def _business():
    """Customers with long names, big figures, a reseller with resold orders and a history."""
    from daur.sales.models import Order
    from tests.web.factories import (
        customer_make,
        order_make,
        run_make,
        score_make,
        stage_change_make,
    )

    run = run_make()
    reseller = customer_make(
        "PT Sumber Makmur Sejahtera Abadi Nusantara Internasional", relationship="intermediary",
        email="purchasing.department.long.address@sumber-makmur-sejahtera.example.com",
        phone="+62 812-3456-7890", city="Kabupaten Bandung Barat", country="ID",
    )
    score_make(reseller, stage="retention", types=("loyal", "high_volume", "affluent"),
               clv=98_765_432_109.0, run=run, strategy="protect")
    buyer = customer_make("Adi Putra", city="Jakarta", country="ID")
    score_make(buyer, stage="lapsed", r=1, f=2, clv=22_890_844.0, run=run, strategy="regain")
    for _ in range(30):
        order = order_make(buyer, amount="22890844123", lines=2, channel="whatsapp")
        Order.objects.filter(pk=order.pk).update(reseller=reseller)
    stage_change_make(buyer, on=date(2025, 3, 2), to="retention", frm="conversion")
    for i in range(30):
        score_make(customer_make(f"Pelanggan Dengan Nama Panjang Sekali {i}"), run=run,
                   clv=1_234_567_890.0 * (i + 1), r=1 + i % 5, f=1 + (i // 5) % 5)
    return reseller, buyer


def _pipeline():
    """Leads with long names and big values in every stage; one with a history and activities."""
    from django.utils import timezone

    from daur.actions.activities import activity_log
    from daur.actions.leads import lead_stage_change
    from tests.leads.factories import lead_make

    leads = [
        lead_make(
            f"Bapak Raden Mas Wicaksono Adiningrat Kusumawardhana {stage}",
            company="PT Sumber Makmur Sejahtera Abadi Nusantara Internasional",
            stage=stage, expected_value=98_765_432_109,
            lost_reason="missing_feature" if stage == "lost" else "",
        )
        for stage in ("new", "contacted", "qualified", "proposal", "won", "lost")
    ]
    lead = leads[0]
    lead_stage_change(lead=lead, to_stage="contacted", expected_stage="new", user=None)
    activity_log(
        kind="task", lead=lead, user=None, note="Kirim penawaran " * 20,
        due_at=timezone.now() + timedelta(days=3),
    )
    activity_log(kind="call", lead=lead, user=None, outcome="Tertarik dengan paket premium " * 5)
    return lead


def _segment():
    """A segment with a long name and big figures over three runs."""
    from daur.actions.segments import segment_create
    from daur.insights.models import SegmentSnapshot
    from tests.web.factories import run_make

    segment = segment_create(
        name="Pelanggan setia dengan nilai seumur hidup tertinggi di seluruh Indonesia Raya",
        query="stage=retention&type=loyal&city=Kabupaten+Bandung+Barat&sort=clv",
    )
    for n in range(3):
        SegmentSnapshot.objects.create(
            segment=segment, run=run_make(), size=1_234_567 * (n + 1),
            revenue=98_765_432_109_876.0 * (n + 1), clv=12_345_678_901_234.0 / (n + 1),
        )
    return segment


@pytest.mark.django_db(transaction=True)
def test_no_page_scrolls_sideways_on_a_phone_or_a_desktop(live_server, browser_page):  # noqa: F811
    demo = User.objects.create_user("demo", password="demo", role="manager", is_staff=True)
    reseller, buyer = _business()
    lead = _pipeline()
    # The manager's own worklist: the pipeline's leads and the buyer are theirs.
    type(lead).objects.update(owner=demo)
    type(buyer).objects.filter(pk=buyer.pk).update(owner=demo)
    segment = _segment()
    page = browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    pages = {
        "dashboard": "/", "list": "/customers/", "list-search": "/customers/?q=putra",
        "360": f"/customers/{buyer.pk}/", "reseller": f"/customers/{reseller.pk}/",
        "model": "/model/", "404": "/no/such/page/",
        "leads": "/leads/", "lead-list": "/leads/list/", "lead": f"/leads/{lead.pk}/",
        "new-customer": "/customers/new/", "edit-customer": f"/customers/{reseller.pk}/edit/",
        "resellers": "/resellers/",
        "activity": "/activity/",
        "today": "/today/",
        "acquisition": "/acquisition/",
        "segments": "/segments/", "segment": f"/segments/{segment.pk}/",
        "profile": "/profile/",
    }
    token_create(user=demo, name="A script with a long name " * 3)
    wide = {}
    for language in ("en", "it"):
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for name, url in pages.items():
                page.goto(f"{live_server.url}{url}")
                page.wait_for_selector(f"html[lang={language}]")
                scroll, client = page.evaluate(OVERFLOW)
                if scroll > client:
                    wide[language, width, name] = scroll
                    page.screenshot(
                        path=str(ARTIFACTS / f"wide-{language}-{width}-{name}.png"), full_page=True
                    )
    assert wide == {}
    # No figure breaks inside itself: every money cell of the channel and list tables is one line.
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/customers/")
    heights = page.locator("td.num").evaluate_all("cells => cells.map(c => c.getClientRects().length)")
    assert heights and set(heights) == {1}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["manager", "sales_rep", "support_agent"])
def test_the_error_pages_keep_the_navigation_for_each_role(live_server, browser_page, role):  # noqa: F811
    from tests.web.factories import customer_make

    User.objects.create_user("u", password="pw-u", role=role)
    hidden = customer_make("Elsewhere", owner=User.objects.create_user("other", password="x"))
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "u")
    page.fill("#id_password", "pw-u")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/no/such/page/")
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.evaluate(OVERFLOW)[0] <= page.evaluate(OVERFLOW)[1]
    if role == "support_agent":  # (for the others the export is a download)
        page.goto(f"{live_server.url}/customers/export.csv")
        assert page.locator("h1").inner_text() == "Not allowed"
    page.goto(f"{live_server.url}/customers/{hidden.pk}/")
    if role == "sales_rep":
        assert page.locator("h1").inner_text() == "Page not found"
        assert page.get_by_text("Elsewhere").count() == 0
    page.goto(f"{live_server.url}/no/such/page/")
    page.get_by_role("link", name="Back to the dashboard").click()
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.django_db(transaction=True)
def test_a_surname_typed_in_the_search_finds_the_customer(live_server, browser_page):  # noqa: F811
    from tests.web.factories import customer_make

    User.objects.create_user("demo", password="demo", role="manager")
    customer_make("Adi Putra")
    customer_make("Budi Santoso")
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/customers/")
    page.locator("#id_q").press_sequentially("Putra")  # htmx searches as the user types
    page.get_by_text("Budi Santoso").wait_for(state="detached")
    assert page.get_by_role("link", name="Adi Putra").count() == 1
    assert page.locator(".result-count").inner_text() == "1 customer"
