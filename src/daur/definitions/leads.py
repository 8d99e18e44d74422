"""A **qualified lead** (SPEC §1.2 `acquisition`, §6 Leads).

A lead is qualified once it has reached the `qualified` stage of the pipeline (new -> contacted ->
qualified -> proposal -> won): its stage is qualified, proposal or won. A lost lead is not: the
stage it was lost from is not kept. A customer converted from a qualified lead is engaged, so
scoring puts it in `acquisition` until it orders. The stage is set by people in the pipeline, so
no threshold of the rules config applies here; the lead score (`strategy.high_lead_score`) is a
separate figure.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from daur.vocabulary import LEAD_STAGES

QUALIFIED_LEAD_STAGES = LEAD_STAGES[LEAD_STAGES.index("qualified") : LEAD_STAGES.index("won") + 1]


def is_qualified(stage: str) -> bool:
    return stage in QUALIFIED_LEAD_STAGES


def qualified_q(prefix: str = "") -> Q:
    """The filter for qualified leads on a lead's `stage` (`prefix`: from another model)."""
    return Q(**{f"{prefix}stage__in": QUALIFIED_LEAD_STAGES})


def qualified_sql(column: str = "stage") -> str:
    """The same filter in SQL, for scoring's raw extraction: `stage IN ('qualified', ...)`."""
    return f"{column} IN ({', '.join(repr(stage) for stage in QUALIFIED_LEAD_STAGES)})"


def qualified_count(leads: QuerySet) -> int:
    return leads.filter(qualified_q()).count()
