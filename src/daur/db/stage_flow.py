"""The lead pipeline's stage flow counted by PostgreSQL: per stage left, how many moves left it,
how many went forward, and the median days spent in it (`percentile_cont`), over the moves of a
set of leads given as SQL. Optionally per value of a lead column as well (GROUPING SETS: the
whole and each group in one scan of the moves).

The moves table has `lead_id`, `from_stage`, `to_stage`, `changed_at` and `id`; the leads table
`id` and `created_at`. A stay starts at the lead's previous move, or at its creation for its first
one. SQLite has no ordered-set aggregate: daur.leads.flow tallies in Python there.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

# (group value or None for the whole, stage left, moves out, moves forward, median days)
FlowRow = tuple[str | None, str, int, int, float | None]

_SQL = """
SELECT {group_select}, from_stage, count(*),
    count(*) FILTER (WHERE to_stage <> 'lost' AND array_position(%s::text[], to_stage::text)
        > array_position(%s::text[], from_stage::text)),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY days)
FROM (
    SELECT c.from_stage, c.to_stage, {group_column} AS grp,
        GREATEST(EXTRACT(EPOCH FROM c.changed_at - COALESCE(
        LAG(c.changed_at) OVER (PARTITION BY c.lead_id ORDER BY c.changed_at, c.id),
        l.created_at)), 0) / 86400.0 AS days
    FROM {moves} c JOIN {leads} l ON l.id = c.lead_id
    WHERE c.lead_id IN ({lead_ids})
) moves
WHERE from_stage = ANY(%s::text[])
GROUP BY {group_by}
"""


def stage_flow_rows(
    *,
    moves_table: str,
    leads_table: str,
    lead_ids_sql: str,
    params: Sequence[object],
    stages: Sequence[str],
    left_stages: Sequence[str],
    group_column: str = "",
) -> list[FlowRow]:
    """The flow of the leads whose ids `lead_ids_sql` selects, per stage in `left_stages`
    (`stages` in pipeline order: a move forward goes to a later one, not lost); with
    `group_column` (a column of the leads table), rows for the whole (group None) and per group."""
    if group_column:
        sql = _SQL.format(
            group_select="CASE WHEN GROUPING(grp) = 1 THEN NULL ELSE grp::text END",
            group_column=f"l.{connection.ops.quote_name(group_column)}",
            group_by="GROUPING SETS ((from_stage), (grp, from_stage))",
            moves=moves_table, leads=leads_table, lead_ids=lead_ids_sql,
        )
    else:
        sql = _SQL.format(
            group_select="NULL", group_column="NULL", group_by="from_stage",
            moves=moves_table, leads=leads_table, lead_ids=lead_ids_sql,
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(stages), list(stages), *params, list(left_stages)])
        return [
            (group, stage, left, forward, float(median) if median is not None else None)
            for group, stage, left, forward, median in cursor.fetchall()
        ]
