"""Importing a file: its rows written (all valid, or nothing), then the customers they belong to
re-scored with the last fit once the import commits."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from daur.actions.servicedesk_sla import tickets_sla_recompute
from daur.insights.models import ScoringRun
from daur.insights.realtime import REALTIME_LIMIT, customers_rescore_on_commit
from daur.interchange.importer import import_file
from daur.interchange.outcome import ImportResult


@transaction.atomic
def file_import(
    *,
    kind: str,
    path: str | Path,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: bool = False,
) -> ImportResult:
    """`import_file`, then the touched customers re-scored after the commit: in real time when
    at most REALTIME_LIMIT, else left to the next `daur score` (the report says which). Before the
    first scoring run there is nothing to re-score. Raises ImportFailed as `import_file` does,
    having written and scheduled nothing."""
    rescoring = not dry_run and ScoringRun.objects.filter(
        status__in=ScoringRun.SCORES_STORED
    ).exists()
    result = import_file(
        kind=kind,
        path=path,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        progress=progress,
        customers_up_to=REALTIME_LIMIT if rescoring else 0,
    )
    if kind == "tickets" and not dry_run:  # imported open tickets get their SLA due moments
        tickets_sla_recompute(now=timezone.now(), missing_only=True)
    if len(result.customers) > REALTIME_LIMIT:
        result.rescore_note = (
            f"More than {REALTIME_LIMIT:,} customers changed: run `daur score` to re-score them."
        )
    elif result.customers:
        customers_rescore_on_commit(customer_ids=result.customers)
        result.rescore_note = f"Re-scored {len(result.customers):,} customers with the last fit."
    return result
