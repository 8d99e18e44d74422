"""The lead list's keyset pages: every lead once, in order, for every sort (empty values last),
whatever the page size; a bad cursor is the first page; the count stops at its cap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from daur.engagement.models import Interaction
from daur.leads import listing
from daur.leads.listing import lead_list
from daur.leads.selectors import SORTS, LeadFilters
from tests.leads.factories import lead_make
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads():
    """Nine leads with ties and empty values in every sortable column."""
    now = timezone.now()
    made = []
    for i in range(9):
        lead = lead_make(
            f"Lead {i % 4}", created_at=now - timedelta(days=i % 3),
            expected_value=None if i % 3 == 0 else 1_000 * (i % 2),
        )
        if i % 2:
            Interaction.objects.create(
                lead=lead, kind="task", occurred_at=now, done=False,
                due_at=now + timedelta(days=i % 3 - 1), natural_key=f"k{i}",
            )
        made.append(lead)
    return made


def walk(user, sort: str, size: int) -> list[int]:  # noqa: ANN001
    seen, cursor = [], ""
    for _ in range(20):
        page = lead_list(user=user, filters=LeadFilters(sort=sort, cursor=cursor), limit=size)
        seen += [lead.pk for lead in page.leads]
        cursor = page.next_cursor
        if not cursor:
            return seen
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("sort", list(SORTS))
def test_pages_hold_every_lead_once_in_the_order_of_one_long_page(leads, sort):
    boss = user_make("boss", role="manager")
    whole = [lead.pk for lead in lead_list(user=boss, filters=LeadFilters(sort=sort)).leads]
    assert sorted(whole) == sorted(lead.pk for lead in leads)
    for size in (1, 2, 4):
        assert walk(boss, sort, size) == whole, size


def test_empty_values_come_last_and_the_overdue_mark_follows_the_soonest_due(leads):
    boss = user_make("boss", role="manager")
    shown = lead_list(user=boss, filters=LeadFilters(sort="value")).leads
    values = [lead.expected_value for lead in shown]
    assert values[-3:] == [None] * 3 and None not in values[:-3]
    due = lead_list(user=boss, filters=LeadFilters(sort="due")).leads
    # due a day ago, twice just now (overdue by the time of the read), and tomorrow
    assert [lead.has_overdue for lead in due if lead.next_due_at] == [True] * 3 + [False]


def test_a_bad_cursor_is_the_first_page_and_the_count_stops_at_its_cap(leads, monkeypatch):
    boss = user_make("boss", role="manager")
    first = lead_list(user=boss, filters=LeadFilters(), limit=3)
    for bad in ("nonsense", first.next_cursor[:-2] + "xx"):
        again = lead_list(user=boss, filters=LeadFilters(cursor=bad), limit=3)
        assert [lead.pk for lead in again.leads] == [lead.pk for lead in first.leads]
    assert (first.count, first.capped) == (9, False)
    monkeypatch.setattr(listing, "COUNT_CAP", 5)
    page = lead_list(user=boss, filters=LeadFilters(), limit=3)
    assert (page.count, page.capped, page.shown_count) == (6, True, 5)


def test_the_overdue_filter_is_a_soonest_open_activity_before_now_and_counts_them():
    boss, now = user_make("boss", role="manager"), timezone.now()
    plans = {  # name: [(due in days, done)]
        "late": [(-2, False), (3, False)],
        "late twice": [(-1, False), (-5, False)],
        "done late": [(-2, True), (4, False)],
        "ahead": [(1, False)],
        "undated": [(None, False)],
        "none": [],
    }
    for name, activities in plans.items():
        lead = lead_make(name)
        for n, (days, done) in enumerate(activities):
            Interaction.objects.create(
                lead=lead, kind="task", occurred_at=now, done=done, natural_key=f"{name}-{n}",
                due_at=None if days is None else now + timedelta(days=days),
            )
    page = lead_list(user=boss, filters=LeadFilters(overdue=True, sort="due"), now=now)
    assert [lead.name for lead in page.leads] == ["late twice", "late"]
    assert page.count == 2 and all(lead.has_overdue for lead in page.leads)
    first = lead_list(user=boss, filters=LeadFilters(overdue=True), now=now, limit=1)
    assert first.count == 2 and first.next_cursor


def test_activity_marks_read_the_same_for_few_leads_and_for_more_than_one_read_takes():
    """The marks of up to MARKED_AT_ONCE leads come from a read compiled once per number of
    leads, of more from the ORM: each lead's soonest open due activity either way, done and
    undated ones ignored."""
    from daur.leads.selectors import MARKED_AT_ONCE, with_activity_marks

    now = timezone.now()
    made = []
    for i in range(MARKED_AT_ONCE + 6):
        lead = lead_make(f"M{i}")
        for k, (days, done) in enumerate([(i % 5 - 2, False), (i % 3, False), (-9, True)]):
            if (i + k) % 4 and i % 7:  # every seventh lead without any activity
                Interaction.objects.create(
                    lead=lead, kind="task", occurred_at=now, done=done,
                    due_at=now + timedelta(days=days), natural_key=f"m{i}-{k}",
                )
        made.append(lead)
    expected = {}
    for lead in made:
        open_dues = [a.due_at for a in lead.interactions.filter(done=False, due_at__isnull=False)]
        expected[lead.pk] = min(open_dues) if open_dues else None

    def marks(leads):  # noqa: ANN001, ANN202
        fresh = [type(lead).objects.get(pk=lead.pk) for lead in leads]
        with_activity_marks(fresh, now)
        return {lead.pk: (lead.next_due_at, lead.has_overdue) for lead in fresh}

    def wanted(leads):  # noqa: ANN001, ANN202
        return {
            lead.pk: (expected[lead.pk], expected[lead.pk] is not None and expected[lead.pk] < now)
            for lead in leads
        }

    for leads in (made[:3], made[3:5], made[:MARKED_AT_ONCE], made):
        assert marks(leads) == wanted(leads)
    assert any(has for _, has in wanted(made).values())
    assert any(due is None for due, _ in wanted(made).values())
