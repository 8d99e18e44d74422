"""A sales rep's day at /today/: ranked by the value at stake, each role's view, done and
snoozed in place, hostile text kept text, a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from daur.actions.worklist import worklist_done, worklist_snooze
from daur.definitions.worklist import customer_at_stake, lead_at_stake
from daur.engagement.models import Interaction, WorklistMark
from daur.insights.models import LeadScore
from daur.insights.worklist import rep_worklist
from tests.leads.factories import lead_make
from tests.web.factories import customer_make, run_make, score_make, user_make

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
_keys = iter(range(10**6))


def customer_scored(owner, name, *, clv, p_alive, strategy="protect"):  # noqa: ANN001, ANN201
    customer = customer_make(name, owner=owner)
    score_make(customer, clv=clv, p_alive=p_alive, strategy=strategy)
    return customer


def lead_scored(owner, name, *, value, probability, stage="contacted"):  # noqa: ANN001, ANN201
    lead = lead_make(name, owner=owner, expected_value=value, stage=stage)
    if probability is not None:
        LeadScore.objects.create(
            lead=lead, as_of=timezone.localdate(), scored_at=timezone.now(),
            win_probability=probability, basis="model",
            factors=[{"name": "source", "value": "referral", "points": 0.12}],
        )
    return lead


def task(*, due, customer=None, lead=None, done=False, note=""):  # noqa: ANN001, ANN201
    return Interaction.objects.create(
        customer=customer, lead=lead, kind="task", occurred_at=timezone.now(), done=done,
        due_at=due, note=note, natural_key=f"today-{next(_keys)}",
    )


def names(section) -> list[str]:  # noqa: ANN001 - a worklist Section
    return [item.name for item in section.items]


def mark(client, kind, item, **data):  # noqa: ANN001, ANN201
    return client.post("/today/mark/", {"kind": kind, "item": item, **data}, **HX)


def test_the_worklist_ranks_by_the_value_at_stake(rep):
    other = user_make("other")
    hand_made = {  # name: (clv, P(alive), strategy) -> at stake 100, 400, 300, 0
        "A": (1000.0, 0.9, "protect"), "B": (500.0, 0.2, "regain"),
        "C": (300.0, None, "enhance"), "D": (None, 0.5, "protect"),
    }
    for name, (clv, p_alive, strategy) in hand_made.items():
        customer_scored(rep, name, clv=clv, p_alive=p_alive, strategy=strategy)
    customer_scored(rep, "Harvested", clv=9e9, p_alive=0.0, strategy="harvest")
    customer_scored(other, "Not mine", clv=9e9, p_alive=0.0)
    lead_scored(rep, "L-100", value=1000, probability=0.1)
    lead_scored(rep, "L-180", value=200, probability=0.9)
    lead_scored(rep, "L-none", value=None, probability=0.9)
    lead_scored(rep, "L-unscored", value=5000, probability=None)
    lead_scored(rep, "L-won", value=9000, probability=0.9, stage="won")
    lead_scored(other, "L-theirs", value=9000, probability=0.9)
    now = timezone.now()
    mine = customer_make("Task party", owner=rep)
    task(customer=mine, due=now - timedelta(days=1), note="yesterday")
    task(customer=mine, due=now - timedelta(days=5), note="last week")
    task(customer=mine, due=now + timedelta(days=1), note="tomorrow")
    task(customer=mine, due=now - timedelta(days=9), note="done", done=True)

    worklist = rep_worklist(rep=rep, now=now)
    assert names(worklist.customers) == ["B", "C", "A", "D"]
    for item in worklist.customers.items:
        clv, p_alive, _ = hand_made[item.name]
        assert item.value_at_stake == pytest.approx(customer_at_stake(clv, p_alive))
    assert names(worklist.leads) == ["L-180", "L-100", "L-none", "L-unscored"]
    assert worklist.leads.items[0].value_at_stake == pytest.approx(lead_at_stake(200, 0.9))
    assert [item.note for item in worklist.activities.items] == ["last week", "yesterday"]
    assert (worklist.customers.count, worklist.leads.count, worklist.activities.count) == (4, 4, 2)

    page = rep_page(rep)
    assert page.index(">B<") < page.index(">C<") < page.index(">A<") < page.index(">D<")
    assert "Not mine" not in page and "Harvested" not in page and "L-theirs" not in page


def rep_page(user) -> str:  # noqa: ANN001
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get("/today/")
    assert response.status_code == 200
    return response.content.decode()


def test_each_section_is_capped_with_a_count(rep):
    for i in range(4):
        customer_scored(rep, f"C{i}", clv=100.0 * i, p_alive=0.5)
    worklist = rep_worklist(rep=rep, now=timezone.now(), cap=3)
    assert (len(worklist.customers.items), worklist.customers.count) == (3, 4)
    assert worklist.customers.more == 1


def test_a_rep_sees_only_their_own_worklist(client, rep):
    other = user_make("other")
    theirs = customer_scored(other, "Theirs", clv=100.0, p_alive=0.1)
    their_lead = lead_scored(other, "Their lead", value=10, probability=0.5)
    assert "Theirs" not in client.get("/today/").content.decode()
    assert client.get(f"/today/?rep={other.pk}").status_code == 404
    assert mark(client, "customer", theirs.pk, mark="done").status_code == 404
    assert mark(client, "lead", their_lead.pk, mark="done").status_code == 404
    assert mark(client, "robot", theirs.pk, mark="done").status_code == 404
    for item in ("9" * 30, "-1", "1e3", HOSTILE):
        assert mark(client, "customer", item, mark="done").status_code == 404
        assert mark(client, "activity", item, mark="done").status_code == 404
    assert not WorklistMark.objects.exists()
    assert 'href="/today/"' in client.get("/").content.decode()


@pytest.mark.parametrize("role", ["marketer", "support_agent"])
def test_marketers_and_support_agents_have_no_worklist(client, role):
    client.force_login(user_make("u", role=role))
    assert client.get("/today/").status_code == 403
    assert client.post("/today/mark/", {"kind": "customer", "item": 1}).status_code == 403
    assert 'href="/today/"' not in client.get("/").content.decode()


def test_a_manager_reads_any_reps_worklist(client, manager):
    rep = user_make("rina", role="sales_rep")
    customer_scored(rep, "Rina's customer", clv=100.0, p_alive=0.1)
    customer_scored(manager, "Boss's own", clv=100.0, p_alive=0.1)
    own = client.get("/today/").content.decode()
    assert "Boss&#x27;s own" in own and "Rina&#x27;s customer" not in own
    assert f'<option value="{rep.pk}"' in own and "today/mark" in own
    theirs = client.get(f"/today/?rep={rep.pk}").content.decode()
    assert "Rina&#x27;s customer" in theirs and "today/mark" not in theirs  # read only
    marketer = user_make("ads", role="marketer")
    assert client.get(f"/today/?rep={marketer.pk}").status_code == 404
    assert client.get("/today/?rep=x").status_code == 404


def test_done_in_place_until_the_next_scoring_run(client, rep):
    customer = customer_scored(rep, "Worked", clv=100.0, p_alive=0.1)
    run_make()
    response = mark(client, "customer", customer.pk, mark="done")
    assert response.status_code == 200 and "Done." in response.content.decode()
    assert "Worked" not in client.get("/today/").content.decode()
    run_make()  # the next run may put it back: its strategy still asks for work
    assert "Worked" in client.get("/today/").content.decode()


def test_a_snoozed_item_returns_after_its_date(client, rep):
    lead = lead_scored(rep, "Later", value=100, probability=0.5)
    response = mark(client, "lead", lead.pk, mark="snooze", days="7")
    assert response.status_code == 200 and "Snoozed until" in response.content.decode()
    now = timezone.now()
    assert names(rep_worklist(rep=rep, now=now).leads) == []
    assert names(rep_worklist(rep=rep, now=now + timedelta(days=6)).leads) == []
    assert names(rep_worklist(rep=rep, now=now + timedelta(days=8)).leads) == ["Later"]
    worklist_done(user=rep, kind="lead", item_id=lead.pk)  # the last mark holds
    mark_row = WorklistMark.objects.get()
    assert mark_row.snoozed_until is None and mark_row.done_at is not None


@pytest.mark.parametrize("days", ["0", "91", "x", ""])
def test_a_bad_snooze_is_refused_and_nothing_written(client, rep, days):
    lead = lead_scored(rep, "Now", value=100, probability=0.5)
    response = client.post("/today/mark/", {"kind": "lead", "item": lead.pk, "days": days})
    assert response.status_code == 400
    assert not WorklistMark.objects.exists()
    with pytest.raises(ValidationError):
        worklist_snooze(user=rep, kind="lead", item_id=lead.pk, days=0)


def test_an_overdue_activity_marked_done_is_completed(client, rep):
    customer = customer_make("Callee", owner=rep)
    overdue = task(customer=customer, due=timezone.now() - timedelta(hours=2))
    assert mark(client, "activity", overdue.pk, mark="done").status_code == 200
    assert Interaction.objects.get(pk=overdue.pk).done
    assert rep_worklist(rep=rep, now=timezone.now()).activities.count == 0


def test_hostile_strings_stay_text(client, rep):
    customer = customer_scored(rep, HOSTILE, clv=100.0, p_alive=0.1)
    customer.score.strategy_reasons = HOSTILE
    customer.score.save()
    lead_scored(rep, HOSTILE, value=100, probability=0.5)
    task(customer=customer, due=timezone.now() - timedelta(hours=1), note=HOSTILE)
    body = client.get("/today/").content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert body.count("&lt;script&gt;") >= 4


def test_the_page_reads_a_fixed_number_of_queries(client, rep):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/today/").status_code == 200
        return len(captured)

    def grow(n: int) -> None:
        now = timezone.now()
        for _ in range(n):
            customer = customer_scored(rep, "", clv=100.0, p_alive=0.5)
            lead = lead_scored(rep, "", value=100, probability=0.5)
            task(customer=customer, due=now - timedelta(hours=1))
            task(lead=lead, due=now - timedelta(hours=2))

    grow(1)
    few = queries()
    grow(60)  # past the cap of every section
    assert queries() == few


def test_a_count_beyond_its_cap_reads_as_cap_plus(rep, monkeypatch):
    from daur.insights import worklist as worklist_module

    for i in range(4):
        customer_scored(rep, f"C{i}", clv=100.0 * (i + 1), p_alive=0.5)
    monkeypatch.setattr(worklist_module, "COUNT_CAP", 2)
    worklist = rep_worklist(rep=rep, now=timezone.now(), cap=1)
    section = worklist.customers
    assert (section.count, section.capped, section.shown_count, section.more) == (3, True, 2, 1)
    assert [item.name for item in section.items] == ["C3"]  # the most at stake: 400 x 0.5
    page = rep_page(rep)
    assert ">2+</span>" in page


def test_overdue_activities_are_the_rep_s_by_party_or_by_author_and_capped(rep, monkeypatch):
    from daur.insights import worklist as worklist_module

    other = user_make("other")
    now = timezone.now()
    mine, theirs = customer_make("My customer", owner=rep), customer_make("Theirs", owner=other)
    my_lead = lead_make("My lead", owner=rep, stage="contacted")
    my_lost_lead = lead_make("My lost lead", owner=rep, stage="lost", lost_reason="price")
    their_lead = lead_make("Their lead", owner=other, stage="contacted")
    for days, party in enumerate([mine, my_lead, my_lost_lead, theirs, their_lead], start=1):
        kind = "customer" if party in (mine, theirs) else "lead"
        task(due=now - timedelta(days=days), note=f"on {party.name}", **{kind: party})
    logged = task(customer=theirs, due=now - timedelta(days=10), note="logged by me")
    Interaction.objects.filter(pk=logged.pk).update(user=rep)
    Interaction.objects.filter(note__startswith="on ").update(user=other)
    task(lead=my_lead, due=now - timedelta(days=20), note="done", done=True)
    task(lead=my_lead, due=now + timedelta(days=1), note="not due yet")

    section = rep_worklist(rep=rep, now=now).activities
    expected = ["logged by me", "on My lost lead", "on My lead", "on My customer"]
    assert [item.note for item in section.items] == expected
    assert section.count == 4
    assert [item.party_kind for item in section.items] == ["customer", "lead", "lead", "customer"]
    monkeypatch.setattr(worklist_module, "COUNT_CAP", 2)
    capped = rep_worklist(rep=rep, now=now, cap=1).activities
    assert [item.note for item in capped.items] == ["logged by me"]
    assert (capped.count, capped.capped, capped.more) == (3, True, 1)


def test_the_compiled_reads_answer_as_the_orm_does(rep):
    """PostgreSQL runs the worklist's reads compiled once (daur.db.compiled) with each call's
    rep, moment and done-since: the same rows, in the same order, as the ORM composing them."""
    if connection.vendor != "postgresql":
        pytest.skip("the reads are compiled on PostgreSQL only")
    from daur.insights import worklist as w

    other = user_make("other")
    now = timezone.now()
    run_make()
    for i in range(4):
        customer = customer_scored(rep, f"C{i}", clv=100.0 * (i + 1), p_alive=0.5)
        lead = lead_scored(rep, f"L{i}", value=1000 * (i + 1), probability=0.2 * (i + 1))
        task(customer=customer, due=now - timedelta(days=i + 1))
        task(lead=lead, due=now - timedelta(hours=i + 1))
    customer_scored(other, "Theirs", clv=9e9, p_alive=0.5)
    WorklistMark.objects.create(  # C3 (the most at stake) snoozed for two days
        user=rep, kind="customer", item_id=customer.pk, snoozed_until=now + timedelta(days=2)
    )
    WorklistMark.objects.create(user=rep, kind="lead", item_id=lead.pk, done_at=now)
    WorklistMark.objects.create(user=other, kind="customer", item_id=customer.pk, done_at=now)
    reads = [(w.CUSTOMERS, 3), (w.CUSTOMERS_COUNTED, 3), (w.LEADS, 3), (w.LEADS_COUNTED, 9),
             (w.OVERDUE, 9)]
    for moment in (now, now + timedelta(days=3)):  # the snooze over by then
        params = {"rep": rep.pk, "now": moment, "since": w.done_since(moment)}
        for read, shape in reads:
            assert read.rows(shape, **params) == list(read.build(shape, **params)), read.name
        for who in (rep.pk, other.pk):
            assert w.CUSTOMERS.rows(3, **{**params, "rep": who}) == list(
                w.CUSTOMERS.build(3, **{**params, "rep": who})
            )
    shown = [row["name"] for row in w.CUSTOMERS.rows(9, rep=rep.pk, now=now,
                                                      since=w.done_since(now))]
    assert shown == ["C2", "C1", "C0"]  # C3 snoozed
    later = now + timedelta(days=3)
    assert [row["name"] for row in w.CUSTOMERS.rows(9, rep=rep.pk, now=later,
                                                    since=w.done_since(later))][0] == "C3"
