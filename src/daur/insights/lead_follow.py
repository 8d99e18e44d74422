"""A lead score carries its lead's owner and expected value (daur.insights.models.LeadScore:
/today/ ranks a rep's open leads by the value at stake they make with the win probability, from
an index). The learning and a real-time re-score write them with each score; this module copies
them again when a lead changes: a save through the ORM (the forms, lead_create, a conversion),
an assignment (daur.actions.leads), an import or the API (daur.actions.interchange)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Subquery

from daur.db.dialect import is_distinct
from daur.insights.models import LeadScore
from daur.leads.models import Lead


def lead_scores_follow(
    lead_ids: Iterable[int] | None = None, *, changed_since: datetime | None = None
) -> int:
    """Copy the leads' owners and expected values onto their scores: these leads', or (None)
    every score whose lead differs, of the leads changed since `changed_since` if given (an
    import writes leads with plain SQL, stamping `updated_at`: an index reads them). Returns
    the scores written."""
    if lead_ids is not None:
        lead = Lead.objects.filter(pk=OuterRef("lead_id"))
        return LeadScore.objects.filter(lead_id__in=list(lead_ids)).update(
            owner_id=Subquery(lead.values("owner_id")[:1]),
            expected_value=Subquery(lead.values("expected_value")[:1]),
        )
    score, lead_table = LeadScore._meta.db_table, Lead._meta.db_table
    differs = " OR ".join(
        is_distinct(f"{score}.{column}", f"l.{column}") for column in ("owner_id", "expected_value")
    )
    since = " AND l.updated_at >= %s" if changed_since is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {score} SET owner_id = l.owner_id, expected_value = l.expected_value "
            f"FROM {lead_table} l WHERE l.id = {score}.lead_id AND ({differs}){since}",
            [changed_since] if changed_since is not None else [],
        )
        return cursor.rowcount


def lead_saved(sender: type, instance: Lead, raw: bool = False, **kwargs: Any) -> None:  # noqa: ANN401
    """post_save of a lead (connected by daur.insights.apps)."""
    if not raw:
        lead_scores_follow([instance.pk])
