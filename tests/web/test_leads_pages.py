"""The lead pages: who sees and moves which lead, moves through the web (lost needs a reason,
the second of two movers is told), activities logged in place, hostile text stays text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from daur.engagement.models import Interaction
from daur.leads.models import Lead, LeadStageChange
from tests.leads.factories import lead_make
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def move(client, lead, to, expected, **extra):  # noqa: ANN001, ANN201
    data = {"to_stage": to, "expected_stage": expected, "panel": "board", **extra}
    return client.post(f"/leads/{lead.pk}/stage/", data, **HX)


def test_a_rep_sees_and_moves_only_their_own_leads(client, rep):
    mine = lead_make("Mine", owner=rep)
    theirs = lead_make("Theirs", owner=user_make("other"))
    board = client.get("/leads/").content.decode()
    assert "Mine" in board and "Theirs" not in board
    assert "Theirs" not in client.get("/leads/list/").content.decode()
    assert client.get(f"/leads/{theirs.pk}/").status_code == 404
    assert move(client, theirs, "contacted", "new").status_code == 404
    assert client.post(f"/leads/{theirs.pk}/activities/", {"kind": "call"}).status_code == 404
    assert Lead.objects.get(pk=theirs.pk).stage == "new"
    assert move(client, mine, "contacted", "new").status_code == 200
    assert Lead.objects.get(pk=mine.pk).stage == "contacted"


def test_a_marketer_reads_every_lead_and_moves_none(client):
    client.force_login(user_make("ads", role="marketer"))
    lead = lead_make("Somebody's", owner=user_make("other"))
    board = client.get("/leads/").content.decode()
    assert "Somebody&#x27;s" in board and "stage-move" not in board
    assert client.get(f"/leads/{lead.pk}/").status_code == 200
    assert move(client, lead, "contacted", "new").status_code == 403
    assert Lead.objects.get(pk=lead.pk).stage == "new"


def test_a_support_agent_has_no_pipeline(client):
    client.force_login(user_make("help", role="support_agent"))
    lead = lead_make()
    assert client.get("/leads/").status_code == 403
    assert client.get("/leads/list/").status_code == 403
    assert client.get(f"/leads/{lead.pk}/").status_code == 403
    assert 'href="/leads/"' not in client.get("/").content.decode()


def test_lost_without_a_reason_is_refused_with_a_message_and_nothing_written(client, manager):
    lead = lead_make(stage="proposal")
    response = move(client, lead, "lost", "proposal")
    assert "Say why the lead was lost." in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == "proposal"
    assert not LeadStageChange.objects.exists()
    move(client, lead, "lost", "proposal", lost_reason="competitor")
    assert Lead.objects.values_list("stage", "lost_reason").get(pk=lead.pk) == (
        "lost", "competitor"
    )


def test_the_second_of_two_moves_of_the_same_card_is_told(client, manager):
    lead = lead_make("Contested", stage="qualified")
    assert move(client, lead, "proposal", "qualified")["X-Daur-Outcome"] == "200"
    late = move(client, lead, "contacted", "qualified")
    assert late["X-Daur-Outcome"] == "409"
    assert "moved to Proposal by someone else first" in late.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == "proposal"


def test_without_javascript_a_move_redirects_back_with_its_message(client, manager):
    lead = lead_make(stage="new")
    response = client.post(
        f"/leads/{lead.pk}/stage/",
        {"to_stage": "contacted", "expected_stage": "new", "panel": "lead"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/leads/{lead.pk}/"
    assert "moved to Contacted" in response.content.decode()


def test_the_lead_page_shows_its_stage_history_and_activities(client, manager):
    lead = lead_make("Histo", stage="new")
    move(client, lead, "contacted", "new")
    client.post(f"/leads/{lead.pk}/activities/", {"kind": "call", "outcome": "Reached"}, **HX)
    body = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Stage history" in body and "Contacted" in body and "Reached" in body


def test_an_activity_is_logged_in_place_on_a_customer(client, rep):
    customer = customer_make("Acme", owner=rep)
    due = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/customers/{customer.pk}/activities/", {"kind": "task", "note": "Send offer", "due_at": due},
        **HX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.startswith('\n<section id="activities"')
    assert "Send offer" in body and "Activity saved." in body
    task = Interaction.objects.get(customer=customer)
    assert not task.done and task.due_at is not None and task.user == rep
    client.post(f"/activities/{task.pk}/done/", {"outcome": "Sent"}, **HX)
    task.refresh_from_db()
    assert task.done and task.outcome == "Sent"


def test_a_task_due_in_the_past_is_refused_with_a_clear_message(client, rep):
    lead = lead_make(owner=rep)
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/leads/{lead.pk}/activities/", {"kind": "task", "due_at": past}, **HX)
    body = response.content.decode()
    assert "A task cannot be due in the past" in body
    assert f'value="{past}"' in body  # kept, as the browser's date-time field reads it
    assert not Interaction.objects.exists()


def test_another_reps_customer_gets_no_activity(client, rep):
    customer = customer_make("Not mine", owner=user_make("other"))
    assert client.post(f"/customers/{customer.pk}/activities/", {"kind": "call"}).status_code == 404
    task = Interaction.objects.create(
        customer=customer, kind="task", occurred_at=timezone.now(), done=False,
        due_at=timezone.now() + timedelta(days=1), natural_key="x",
    )
    assert client.post(f"/activities/{task.pk}/done/").status_code == 404


def test_hostile_text_stays_text_everywhere_it_is_shown(client, manager):
    lead = lead_make(HOSTILE, company=HOSTILE, owner=manager, expected_value=5)
    client.post(f"/leads/{lead.pk}/activities/", {"kind": "note", "note": HOSTILE, "outcome": HOSTILE}, **HX)
    for url in ("/leads/", "/leads/list/", f"/leads/{lead.pk}/", f"/leads/list/?q={HOSTILE}"):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body, url
    response = move(client, lead, "contacted", "new", lost_reason=HOSTILE)
    assert "<script>alert" not in response.content.decode()


def test_the_list_filters_counts_and_sorts(client, manager):
    a = user_make("a")
    lead_make("Old", owner=a, created_at=timezone.now() - timedelta(days=200), source="email")
    late = lead_make("Late", owner=a, source="website", expected_value=9)
    lead_make("Free", source="website", expected_value=1)
    Interaction.objects.create(
        lead=late, kind="task", occurred_at=timezone.now(), done=False,
        due_at=timezone.now() - timedelta(hours=1), natural_key="late",
    )
    def names(query):  # noqa: ANN001, ANN202
        body = client.get(f"/leads/list/?{query}").content.decode()
        return [n for n in ("Old", "Late", "Free") if f">{n}</a>" in body], body

    assert names(f"owner={a.pk}")[0] == ["Old", "Late"]
    assert names("owner=none")[0] == ["Free"]
    assert names("source=website")[0] == ["Late", "Free"]
    assert names("age=older")[0] == ["Old"]
    assert names("overdue=1")[0] == ["Late"]
    shown, body = names("age=30")
    assert shown == ["Late", "Free"] and "2 leads" in body
    body = client.get("/leads/list/?sort=value").content.decode()
    assert body.index(">Late</a>") < body.index(">Free</a>")
    assert client.get("/leads/list/?page=999&owner=abc&campaign=x").status_code == 200


def test_the_admin_edits_assignment_rules_and_shows_stage_history(client, manager):
    lead = lead_make(stage="new")
    move(client, lead, "contacted", "new")
    for url in (
        "/admin/leads/leadassignmentrule/", "/admin/leads/leadassignmentrule/add/",
        "/admin/leads/leadstagechange/", f"/admin/leads/lead/{lead.pk}/change/",
        f"/admin/accounts/user/{manager.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    response = client.post("/admin/leads/leadassignmentrule/add/", {
        "field": "country", "value": "ID", "owner": manager.pk, "priority": 1, "active": "on",
    })
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("language", "title", "stage"),
    [("id", "Pipeline prospek", "Dihubungi"), ("it", "Pipeline dei contatti", "Contattato")],
)
def test_the_board_speaks_the_users_language(client, manager, language, title, stage):
    lead_make(stage="contacted")
    client.cookies["django_language"] = language
    body = client.get("/leads/").content.decode()
    assert title in body and stage in body


def test_the_board_and_the_list_read_a_fixed_number_of_queries(client, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    lead_make(owner=manager)
    few = queries("/leads/"), queries("/leads/list/")
    for i in range(24):
        lead = lead_make(owner=user_make(f"o{i}"), stage=("new", "contacted", "proposal")[i % 3])
        Interaction.objects.create(
            lead=lead, kind="task", occurred_at=timezone.now(), done=False,
            due_at=timezone.now() - timedelta(hours=1), natural_key=f"q{i}",
        )
    assert (queries("/leads/"), queries("/leads/list/")) == few


def test_without_javascript_a_refused_activity_shows_its_reason_on_a_page(client, rep):
    lead = lead_make(owner=rep)
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/leads/{lead.pk}/activities/", {"kind": "task", "due_at": past})
    body = response.content.decode()
    assert response.status_code == 400 and "<nav" in body
    assert "A task cannot be due in the past" in body and f'href="/leads/{lead.pk}/"' in body
    ok = client.post(f"/leads/{lead.pk}/activities/", {"kind": "call"})
    assert ok.status_code == 302 and ok["Location"] == f"/leads/{lead.pk}/#activities"


def test_the_list_and_board_filter_by_win_probability(client, manager):
    from daur.insights.models import LeadScore

    for name, probability in (("Cold", 0.1), ("Warm", 0.5), ("Hot", 0.9), ("Unscored", None)):
        lead = lead_make(name, stage="contacted")
        if probability is not None:
            LeadScore.objects.create(
                lead=lead, as_of=timezone.localdate(), scored_at=timezone.now(),
                win_probability=probability, basis="model",
            )

    def shown(query: str, url: str = "/leads/list/") -> list[str]:
        body = client.get(f"{url}?{query}").content.decode()
        return [n for n in ("Cold", "Warm", "Hot", "Unscored") if f">{n}</a>" in body]

    assert shown("score_min=50") == ["Warm", "Hot"]
    assert shown("score_max=50") == ["Cold", "Warm"]
    assert shown("score_min=20&score_max=60") == ["Warm"]
    assert shown("score_min=50", url="/leads/") == ["Warm", "Hot"]
    body = client.get("/leads/list/?score_min=abc&score_max=500").content.decode()
    assert all(f">{n}</a>" in body for n in ("Cold", "Warm", "Hot", "Unscored"))  # dropped
    assert 'name="score_min"' in body and 'type="number"' in body
    # a reversed range: the upper bound is dropped, and the form says why
    body = client.get("/leads/list/?score_min=60&score_max=20").content.decode()
    assert ">Hot</a>" in body and ">Warm</a>" not in body
    assert "The upper bound is below the lower one." in body


def test_the_money_is_in_the_currency_of_the_last_stored_run(client, rep, settings):
    """The board and the list show values in the last stored run's currency (its look-up is
    compiled once per process), the configured one before any run."""
    from daur.insights.models import ScoringRun
    from tests.web.factories import run_make

    settings.DAUR_DEFAULT_CURRENCY = "JPY"
    lead_make("Valued", owner=rep, expected_value=1234)
    for path in ("/leads/", "/leads/list/"):
        assert "JPY 1,234" in client.get(path).content.decode(), path
    run_make(currency="EUR")
    for path in ("/leads/", "/leads/list/"):
        assert "EUR 1,234.00" in client.get(path).content.decode(), path
    failed = run_make(currency="USD")
    ScoringRun.objects.filter(pk=failed.pk).update(status=ScoringRun.Status.FAILED)
    assert "EUR 1,234.00" in client.get("/leads/").content.decode()  # a failed run stores none
    run_make(currency="IDR")
    assert "IDR 1,234" in client.get("/leads/list/").content.decode()
