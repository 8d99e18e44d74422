"""The sales-activity recap: known counts per rep, kind and period, at the local day's edges."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from daur.engagement.models import Interaction
from daur.insights.activity_recap import activity_recap_compute, named_period
from daur.insights.period import Period
from daur.leads.models import LeadStageChange
from tests.leads.factories import lead_make
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db
ZONE = "Asia/Jakarta"  # UTC+7: a local evening is the same UTC day, a local midnight is not
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def _zone(settings):
    settings.TIME_ZONE = ZONE


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(ZONE))


def activity(user, kind: str, when: datetime, *, customer=None, lead=None, done=True):  # noqa: ANN001, ANN201
    return Interaction.objects.create(
        user=user, kind=kind, occurred_at=when, customer=customer, lead=lead, done=done,
        natural_key=f"test-{next(_keys)}",
    )


def closed(lead, to: str, when: datetime, *, user=None, frm: str = "proposal", reason: str = ""):  # noqa: ANN001, ANN201
    return LeadStageChange.objects.create(
        lead=lead, from_stage=frm, to_stage=to, changed_at=when, user=user, lost_reason=reason
    )


@pytest.fixture
def team():
    ana = user_make("ana", first_name="Ana", last_name="Putri")
    bob = user_make("bob", first_name="Bob", last_name="Wijaya")
    c1, c2 = customer_make(), customer_make()
    activity(ana, "call", at(2026, 3, 31, 23, 30), customer=c1)  # last local evening: March
    activity(ana, "call", at(2026, 4, 1, 0, 10), customer=c2)  # April, local
    activity(ana, "email", at(2026, 3, 1, 0, 0), customer=c2)  # first local moment: March
    activity(ana, "meeting", at(2026, 2, 28, 23, 59), customer=c2)  # February
    activity(ana, "meeting", at(2026, 3, 15, 10), customer=c1)
    activity(ana, "task", at(2026, 3, 10, 9), customer=c2, done=False)  # planned, not done
    activity(bob, "call", at(2026, 3, 10, 9), customer=c1)
    activity(bob, "note", at(2026, 3, 11, 9), lead=lead_make(owner=bob))  # a lead: no customer
    won = lead_make(owner=ana, stage="won", expected_value="300")
    closed(won, "won", at(2026, 3, 20, 12), user=ana)
    lost = lead_make(owner=ana, stage="lost", lost_reason="price")
    closed(lost, "lost", at(2026, 3, 31, 23, 0), user=ana, reason="price")
    april = lead_make(owner=bob, stage="lost", lost_reason="competitor")
    closed(april, "lost", at(2026, 4, 1, 1, 0), user=bob, reason="competitor")
    nobody = lead_make(owner=bob, stage="lost", lost_reason="competitor")
    closed(nobody, "lost", at(2026, 3, 5, 12), reason="competitor")  # no user: the owner's
    reopened = lead_make(owner=bob, stage="proposal", expected_value="200")
    closed(reopened, "lost", at(2026, 3, 3, 12), user=bob, reason="price")
    closed(reopened, "proposal", at(2026, 3, 4, 12), user=bob, frm="lost")
    lead_make(owner=ana, stage="new", expected_value="100")
    lead_make(owner=ana, stage="new", expected_value="50")
    lead_make(owner=ana, stage="qualified")
    return ana, bob


def test_known_counts_per_rep_kind_and_period(team):
    ana, bob = team
    recap = activity_recap_compute(period=MARCH)
    rows = {r.user_id: r for r in recap.reps}
    a, b = rows[ana.pk], rows[bob.pk]
    assert a.name == "Ana Putri" and b.name == "Bob Wijaya"
    assert a.by_kind == {"call": 1, "email": 1, "meeting": 1}
    assert a.planned == 1
    assert b.by_kind == {"call": 1, "note": 1}
    assert recap.kinds == ("call", "email", "meeting", "note")
    assert recap.total.by_kind == {"call": 2, "email": 1, "meeting": 1, "note": 1}
    assert (a.customers_touched, b.customers_touched) == (2, 1)
    assert recap.total.customers_touched == 2  # c1 touched by both counts once


def test_won_and_lost_placed_by_the_stage_change(team):
    ana, bob = team
    rows = {r.user_id: r for r in activity_recap_compute(period=MARCH).reps}
    a, b = rows[ana.pk], rows[bob.pk]
    assert (a.won, a.won_value, a.lost, a.lost_reasons) == (1, Decimal(300), 1, {"price": 1})
    assert (b.won, b.lost, b.lost_reasons) == (0, 1, {"competitor": 1})  # reopened: not lost
    april = Period(date(2026, 4, 1), date(2026, 4, 30))
    rows = {r.user_id: r for r in activity_recap_compute(period=april).reps}
    assert rows[bob.pk].lost == 1 and rows[ana.pk].lost == 0
    assert rows[ana.pk].by_kind == {"call": 1}


def test_pipeline_by_stage_now(team):
    ana, bob = team
    recap = activity_recap_compute(period=Period(date(2020, 1, 1), date(2020, 1, 1)))
    rows = {r.user_id: r for r in recap.reps}
    assert rows[ana.pk].pipeline == {"new": (2, Decimal(150)), "qualified": (1, Decimal(0))}
    assert rows[bob.pk].pipeline == {"proposal": (1, Decimal(200)), "new": (1, Decimal(0))}
    assert recap.total.pipeline_value == Decimal(350)
    assert rows[ana.pk].activities == 0  # an empty period: pipeline only


def test_one_rep_only(team):
    ana, _ = team
    recap = activity_recap_compute(period=MARCH, user_ids=[ana.pk])
    assert [r.user_id for r in recap.reps] == [ana.pk]
    assert recap.total.customers_touched == 2 and recap.total.lost == 1


def test_empty_period_lists_the_reps_with_zeros(db):
    user_make("quiet", first_name="Quiet")
    recap = activity_recap_compute(period=MARCH)
    assert [r.name for r in recap.reps] == ["Quiet"]
    assert recap.total.activities == recap.total.won == recap.total.customers_touched == 0


def _queries(period: Period) -> int:
    with CaptureQueriesContext(connection) as queries:
        activity_recap_compute(period=period)
    return len(queries)


def test_fixed_query_count_as_reps_grow(team):
    before = _queries(MARCH)
    for n in range(6):
        rep = user_make(f"more{n}")
        activity(rep, "call", at(2026, 3, 12, 9), customer=customer_make())
        lead = lead_make(owner=rep, stage="won")
        closed(lead, "won", at(2026, 3, 12, 10), user=rep)
        lead_make(owner=rep, stage="contacted", expected_value="10")
    assert _queries(MARCH) == before


def test_named_periods_in_local_days():
    today = date(2026, 3, 18)  # a Wednesday
    assert named_period("week", today=today) == Period(date(2026, 3, 16), today)
    assert named_period("month", today=today) == Period(date(2026, 3, 1), today)
    assert named_period("last_month", today=today) == Period(date(2026, 2, 1), date(2026, 2, 28))


def test_latest_month_with_activity(db):
    assert named_period("latest", today=date(2026, 3, 18)) == Period(date(2026, 3, 1), date(2026, 3, 18))
    rep = user_make("old")
    activity(rep, "call", at(2025, 12, 31, 23, 30), customer=customer_make())
    assert named_period("latest", today=date(2026, 3, 18)) == Period(
        date(2025, 12, 1), date(2025, 12, 31)
    )
