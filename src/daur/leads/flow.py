"""The pipeline's stage flow: per open stage, what became of the leads that left it (how many,
the share that went forward) and the median days they had spent in it; for the board (cached,
see `pipeline_flow`) and the acquisition page (the whole and per source, one query).

On PostgreSQL the database counts and takes the medians (daur.db.stage_flow: a pipeline of
100,000 leads has hundreds of thousands of moves, too many to read); elsewhere Python does, from
the moves.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db.models import F, QuerySet, Window
from django.db.models.functions import Lag

from daur import vocabulary
from daur.accounts.models import User
from daur.db import dialect
from daur.db.stage_flow import FlowRow, stage_flow_rows
from daur.leads.cache import PipelineStamp, pipeline_cached
from daur.leads.models import Lead, LeadStageChange
from daur.leads.selectors import LeadFilters, leads_filtered, leads_readable_by


@dataclass(frozen=True)
class StageFlow:
    """What became of the leads that left a stage: how many, the share that went forward
    (a later stage or won) and the median days they had spent in it."""

    stage: str
    left: int
    forward: int
    median_days: float | None

    @property
    def forward_share(self) -> float | None:
        return self.forward / self.left if self.left else None


def pipeline_flow(
    *, user: User, filters: LeadFilters | None = None, stamp: PipelineStamp | None = None
) -> list[StageFlow]:
    """Conversion and time in stage from the stored moves, per open stage (the user's leads);
    cached until the pipeline changes (daur.leads.cache; `stamp`: the page's, if it has one)."""
    filters = filters or LeadFilters()
    if not leads_readable_by(user):
        return no_flow()
    return pipeline_cached(
        user, filters, "flow", lambda: stage_flow_of(leads_filtered(user=user, filters=filters)),
        stamp,
    )


def no_flow() -> list[StageFlow]:
    """The flow of leads that never moved."""
    return [StageFlow(s, 0, 0, None) for s in vocabulary.OPEN_LEAD_STAGES]


def stage_flow_of(leads: QuerySet[Lead]) -> list[StageFlow]:
    """Per open stage, what became of these leads that left it (one query over their moves)."""
    return stage_flows_by_source(leads, by_source=False)[""]


def stage_flows_by_source(
    leads: QuerySet[Lead], *, by_source: bool = True
) -> dict[str, list[StageFlow]]:
    """The flow of these leads as a whole (key "") and, with `by_source`, of each source channel
    with moves (key: the channel), from one query over their moves."""
    rows = _rows_postgresql(leads, by_source) if dialect.postgresql() else _rows_python(
        leads, by_source
    )
    tallies: dict[str, dict[str, tuple[int, int, float | None]]] = {"": {}}
    for group, stage, left, forward, median in rows:
        tallies.setdefault(group or "", {})[stage] = (left, forward, median)
    return {
        group: [StageFlow(s, *tally.get(s, (0, 0, None))) for s in vocabulary.OPEN_LEAD_STAGES]
        for group, tally in tallies.items()
    }


def _rows_postgresql(leads: QuerySet, by_source: bool) -> list[FlowRow]:
    try:
        sql, params = leads.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # no lead at all (Lead.objects.none()): nothing left any stage
        return []
    return stage_flow_rows(
        moves_table=LeadStageChange._meta.db_table,
        leads_table=Lead._meta.db_table,
        lead_ids_sql=sql,
        params=params,
        stages=vocabulary.LEAD_STAGES,
        left_stages=vocabulary.OPEN_LEAD_STAGES,
        group_column="source" if by_source else "",
    )


def _rows_python(leads: QuerySet, by_source: bool) -> list[FlowRow]:
    moves = (
        LeadStageChange.objects.filter(lead__in=leads.values("pk"))
        .annotate(
            entered_at=Window(Lag("changed_at"), partition_by=F("lead_id"), order_by=[
                F("changed_at").asc(), F("pk").asc()
            ])
        )
        .values_list(
            "from_stage", "to_stage", "changed_at", "entered_at", "lead__created_at",
            "lead__source",
        )
    )
    order = {stage: i for i, stage in enumerate(vocabulary.LEAD_STAGES)}
    days: dict[tuple[str | None, str], list[float]] = {}
    forward: dict[tuple[str | None, str], int] = {}
    for frm, to, changed, entered, created, source in moves:
        if frm not in vocabulary.OPEN_LEAD_STAGES:
            continue
        stay = max((changed - (entered or created)).total_seconds(), 0) / 86400
        ahead = to != "lost" and order[to] > order[frm]
        for key in [(None, frm), (source, frm)] if by_source else [(None, frm)]:
            days.setdefault(key, []).append(stay)
            forward[key] = forward.get(key, 0) + ahead
    return [
        (group, stage, len(d), forward[group, stage], statistics.median(d))
        for (group, stage), d in days.items()
    ]
