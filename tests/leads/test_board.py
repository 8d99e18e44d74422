"""The board's columns: each stage's newest leads (CARDS_PER_STAGE of them, newest first, ties by
id), what a card shows of them, and how many more each stage has; the same under filters, for a
rep (their own) and a manager (all). PostgreSQL reads every column in one query, SQLite a stage
at a time: both must give these."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from daur import vocabulary
from daur.leads.models import Lead
from daur.leads.selectors import CARDS_PER_STAGE, LeadFilters, pipeline_board
from tests.leads.factories import lead_make
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline():
    """Leads of two reps and nobody over every stage; 'new' holds more than a column shows,
    with ties on the creation moment."""
    now = timezone.now().replace(microsecond=0)
    ann = user_make("ann", first_name="Ann", last_name="Lee")
    bob = user_make("bob")
    owners = [ann, bob, None]
    for i in range(3 * CARDS_PER_STAGE):
        stage = "new" if i % 2 else vocabulary.LEAD_STAGES[i % len(vocabulary.LEAD_STAGES)]
        lead_make(
            f"L{i:02d}", owner=owners[i % 3], stage=stage,
            source="email" if i % 4 else "website", company="PT Ace" if i % 5 else "",
            created_at=now - timedelta(hours=i // 3),  # three leads share each moment
            expected_value=1000 + i, lost_reason="price" if stage == "lost" else "",
        )
    return ann, bob


def expected(leads) -> dict[str, list[tuple]]:  # noqa: ANN001
    out = {}
    for stage in vocabulary.LEAD_STAGES:
        rows = sorted(
            (lead for lead in leads if lead.stage == stage),
            key=lambda lead: (lead.created_at, lead.pk), reverse=True,
        )
        out[stage] = [card(lead) for lead in rows[:CARDS_PER_STAGE]], len(rows)
    return out


def card(lead) -> tuple:  # noqa: ANN001
    owner = "–" if lead.owner is None else lead.owner.get_full_name() or lead.owner.username
    return (lead.pk, lead.name, lead.company, lead.stage, lead.source, lead.expected_value,
            lead.created_at, owner)


def shown(columns) -> dict[str, list[tuple]]:  # noqa: ANN001
    return {
        c.stage: ([(x.pk, x.name, x.company, x.stage, x.source, x.expected_value, x.created_at,
                    x.owner_name) for x in c.cards], c.count)
        for c in columns
    }


@pytest.mark.parametrize("filters", [{}, {"source": "email"}, {"q": "L1"}, {"unassigned": True}])
def test_each_column_shows_its_stage_s_newest_leads(pipeline, filters):
    ann, _ = pipeline
    boss = user_make("boss", role="manager")
    for user, visible in ((boss, Lead.objects.all()), (ann, Lead.objects.filter(owner=ann))):
        if filters.get("unassigned") and user is ann:
            continue
        leads = list(visible.select_related("owner"))
        if filters.get("source"):
            leads = [lead for lead in leads if lead.source == filters["source"]]
        if filters.get("q"):
            leads = [lead for lead in leads if filters["q"].lower() in lead.name.lower()]
        if filters.get("unassigned"):
            leads = [lead for lead in leads if lead.owner is None]
        columns = pipeline_board(user=user, filters=LeadFilters(**filters))
        assert [c.stage for c in columns] == list(vocabulary.LEAD_STAGES)
        assert shown(columns) == expected(leads), (user.username, filters)
    board = pipeline_board(user=boss, filters=LeadFilters())
    new = next(c for c in board if c.stage == "new")
    assert len(new.cards) == CARDS_PER_STAGE and new.more == new.count - CARDS_PER_STAGE > 0
    assert {x.owner_name for c in board for x in c.cards} >= {"Ann Lee", "bob", "–"}
