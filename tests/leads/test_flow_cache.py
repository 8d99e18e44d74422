"""The lead board's stage flow is cached, and never stale: a move, a new, reassigned or deleted
lead changes the cache key, so the next read counts again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from daur.actions.leads import lead_stage_change, leads_assign
from daur.leads.flow import pipeline_flow
from daur.leads.selectors import LeadFilters
from tests.leads.factories import lead_make
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def flow_cache(settings):  # noqa: ANN001, ANN201
    settings.DAUR_LEAD_FLOW_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def left(user, **filters) -> dict[str, int]:  # noqa: ANN001
    return {f.stage: f.left for f in pipeline_flow(user=user, filters=LeadFilters(**filters))}


def flow_queries(user, **filters) -> tuple[int, int]:  # noqa: ANN001
    """(queries, of them the flow's own) of one read of the flow."""
    with CaptureQueriesContext(connection) as ctx:
        pipeline_flow(user=user, filters=LeadFilters(**filters))
    sql = [q["sql"].lower() for q in ctx.captured_queries]
    return len(sql), sum("lag(" in s or "percentile_cont" in s for s in sql)


def moved(lead, *stages: str) -> None:  # noqa: ANN001
    start = timezone.now() - timedelta(days=len(stages) + 1)
    for day, (frm, to) in enumerate(zip(stages, stages[1:], strict=False), start=1):
        lead_stage_change(
            lead=lead, to_stage=to, expected_stage=frm, user=None, now=start + timedelta(days=day)
        )


def test_a_second_read_skips_the_flow_query_and_a_move_shows_at_once():
    boss = user_make("boss", role="manager")
    lead = lead_make()
    moved(lead, "new", "contacted")
    first = flow_queries(boss)
    second = flow_queries(boss)
    assert first[1] == 1 and second[1] == 0  # the flow was counted once
    assert second[0] < first[0]
    assert left(boss)["contacted"] == 0

    moved(lead, "contacted", "qualified")
    assert left(boss)["contacted"] == 1  # the move shows on the next read
    assert flow_queries(boss)[1] == 0  # and that read is cached in turn


def test_a_new_or_deleted_lead_changes_the_figures():
    boss = user_make("boss", role="manager")
    older = lead_make("A")
    moved(older, "new", "contacted")
    assert left(boss)["new"] == 1
    moved(lead_make("B"), "new", "contacted")
    assert left(boss)["new"] == 2
    older.delete()  # its moves go with it; the newest lead, change and move stay the same
    assert left(boss)["new"] == 1


def test_scopes_and_filters_keep_their_own_figures():
    boss, rep = user_make("boss", role="manager"), user_make("rep1")
    moved(lead_make("Mine", owner=rep, source="website"), "new", "contacted")
    moved(lead_make("Other", source="referral"), "new", "contacted")
    assert left(rep)["new"] == 1
    assert left(boss)["new"] == 2
    assert left(boss, source="referral")["new"] == 1
    assert left(user_make("agent", role="support_agent"))["new"] == 0


def test_a_lead_handed_to_a_rep_counts_in_their_figures_at_once():
    rep = user_make("rep1")
    lead = lead_make("Unowned")
    moved(lead, "new", "contacted")
    assert left(rep)["new"] == 0
    assert [a.owner_id for a in leads_assign(lead_ids=[lead.pk])] == [rep.pk]
    assert left(rep)["new"] == 1


def test_filters_relative_to_now_are_counted_every_time():
    boss = user_make("boss", role="manager")
    moved(lead_make(), "new", "contacted")
    for _ in range(2):
        assert flow_queries(boss, age="7")[1] == 1
        assert flow_queries(boss, overdue=True)[1] == 1


def test_the_board_page_reads_the_cached_flow(client):  # noqa: ANN001
    boss = user_make("boss", role="manager", is_superuser=True)
    client.force_login(boss)
    lead = lead_make("Acme")
    moved(lead, "new", "contacted")
    with CaptureQueriesContext(connection) as first:
        assert client.get("/leads/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get("/leads/").status_code == 200
    assert len(second.captured_queries) < len(first.captured_queries)
    moved(lead, "contacted", "qualified")
    flow = {f.stage: f.left for f in client.get("/leads/").context["flow"]}
    assert (flow["new"], flow["contacted"]) == (1, 1)


def test_a_win_probability_range_is_counted_afresh_each_time():
    boss = user_make("boss", role="manager")
    lead = lead_make()
    moved(lead, "new", "contacted")
    assert flow_queries(boss, score_min=10)[1] == 1
    assert flow_queries(boss, score_min=10)[1] == 1  # a re-score would not change the key
