"""In a real browser: a sales rep moves a lead with the keyboard and by dragging it, a drop on
"lost" asks for the reason, and an activity is logged in place on the lead's page; no step
breaks the Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from daur.accounts.models import User
from daur.leads.models import Lead
from tests.web.test_browser import ARTIFACTS, CHROMIUM, browser_page  # noqa: F401 - the fixture
from tests.web.test_browser_csp import RECORD_VIOLATIONS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def card(page, lead: Lead):  # noqa: ANN001, ANN201
    return page.locator(f"#lead-card-{lead.pk}")


def column_of(page, lead: Lead) -> str:  # noqa: ANN001
    return card(page, lead).evaluate("c => c.closest('[data-drop-stage]').dataset.dropStage")


@pytest.mark.django_db(transaction=True)
def test_a_rep_moves_leads_by_keyboard_and_by_drag_and_logs_an_activity(live_server, browser_page):  # noqa: F811
    from tests.leads.factories import lead_make

    rep = User.objects.create_user("rina", password="pw", role="sales_rep", first_name="Rina")
    keyed = lead_make("Keyed Lead", owner=rep, expected_value=5_000_000)
    dragged = lead_make("Dragged Lead", owner=rep, stage="contacted")
    page = browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rina")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/leads/")

    # The keyboard: the card's "on to the next stage" button, Enter.
    card(page, keyed).locator(".stage-next").focus()
    page.keyboard.press("Enter")
    page.locator(f"[data-drop-stage=contacted] #lead-card-{keyed.pk}").wait_for()
    assert Lead.objects.get(pk=keyed.pk).stage == "contacted"
    assert "moved to Contacted" in page.locator(".board-status").inner_text()
    focused = page.evaluate("document.activeElement.closest('[data-lead]')?.dataset.lead")
    assert focused == str(keyed.pk)  # the keyboard stays on the moved card
    page.keyboard.press("Enter")  # and moves it on again
    page.locator(f"[data-drop-stage=qualified] #lead-card-{keyed.pk}").wait_for()

    # The mouse: drag a card onto another stage's column.
    card(page, dragged).drag_to(page.locator("[data-drop-stage=proposal]"))
    page.locator(f"[data-drop-stage=proposal] #lead-card-{dragged.pk}").wait_for()
    assert Lead.objects.get(pk=dragged.pk).stage == "proposal"
    # A drop on "lost" asks why first; nothing moves until it is told.
    card(page, dragged).drag_to(page.locator("[data-drop-stage=lost]"))
    details = card(page, dragged).locator("details.lost-form")
    assert details.evaluate("d => d.open")
    assert Lead.objects.get(pk=dragged.pk).stage == "proposal"
    details.locator("select").select_option("competitor")
    details.locator("button").click()
    page.locator(f"[data-drop-stage=lost] #lead-card-{dragged.pk}").wait_for()
    assert Lead.objects.values_list("stage", "lost_reason").get(pk=dragged.pk) == (
        "lost", "competitor"
    )
    page.screenshot(path=str(ARTIFACTS / "leads-board.png"), full_page=True)

    # The lead's page: an activity logged in place, a task due in the past refused.
    page.click(f"#lead-card-{keyed.pk} .lead-link")
    page.wait_for_url(f"{live_server.url}/leads/{keyed.pk}/")
    page.select_option("#activity-kind", "task")
    page.fill("#activity-due_at", "2001-01-01T09:00")
    page.click("text=Save activity")
    page.get_by_text("A task cannot be due in the past").wait_for()
    page.fill("#activity-due_at", "")
    page.select_option("#activity-kind", "call")
    page.fill("#activity-outcome", "Interested in the premium plan")
    page.click("text=Save activity")
    page.get_by_text("Activity saved.").wait_for()
    assert page.get_by_text("Interested in the premium plan").count() == 1
    assert keyed.interactions.get().kind == "call"
    assert page.locator("#stage-title").count() == 1  # the page was not reloaded around it
    page.screenshot(path=str(ARTIFACTS / "lead-page.png"), full_page=True)
    assert page.evaluate("window.cspViolations") == []
