"""Importing files: their rows written (all valid, or nothing), then the customers they belong to
re-scored with the last fit once the import commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from daur.actions.servicedesk_sla import tickets_sla_recompute
from daur.db.dialect import connection_lost
from daur.insights.lead_follow import lead_scores_follow
from daur.insights.models import ScoringRun
from daur.insights.realtime import REALTIME_LIMIT, customers_rescore_on_commit
from daur.interchange.importer import import_file
from daur.interchange.models import ImportRun
from daur.interchange.outcome import ImportFailed, ImportResult


def file_import(
    *,
    kind: str,
    path: str | Path,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: bool = False,
) -> ImportResult:
    """`_file_import` recorded as an ImportRun (in the admin's Imports): `running` before it
    starts, then `succeeded` with its counts or `failed` with its report. The record is written
    outside the import's transaction, so a failed import leaves its record and nothing else."""
    run = ImportRun.objects.create(
        kind=kind, path=str(path)[:1000], dry_run=dry_run, status=ImportRun.Status.RUNNING
    )
    try:
        result = _file_import(
            kind=kind, path=path, dry_run=dry_run, skip_invalid=skip_invalid, progress=progress
        )
    except BaseException as error:
        report = (
            error.report()
            if isinstance(error, ImportFailed)
            else f"{type(error).__name__}: {error}"
        )
        _failure_record(run, report, lost=connection_lost(error))
        raise
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.SUCCEEDED,
        finished_at=timezone.now(),
        rows=result.rows,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=result.rejected,
        report=result.report()[:20000],
    )
    return result


def _failure_record(run: ImportRun, report: str, *, lost: bool) -> None:
    """Mark the import failed; when the failure was the database connection itself, on a new
    one (and if the database cannot be reached at all, the record stays `running`)."""
    if lost:
        connection.close()
    try:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, finished_at=timezone.now(), report=report[:20000]
        )
    except DatabaseError:
        connection.close()


@transaction.atomic
def _file_import(
    *,
    kind: str,
    path: str | Path,
    dry_run: bool,
    skip_invalid: bool,
    progress: bool,
) -> ImportResult:
    """`import_file`, then the touched customers re-scored after the commit: in real time when
    at most REALTIME_LIMIT, else left to the next `daur score` (the report says which). Before the
    first scoring run there is nothing to re-score. Raises ImportFailed as `import_file` does,
    having written and scheduled nothing."""
    [result] = files_import(
        files=[(kind, path)], dry_run=dry_run, skip_invalid=skip_invalid, progress=progress
    )
    return result


@transaction.atomic
def files_import(
    *,
    files: Sequence[tuple[str, str | Path]],
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: bool = False,
) -> list[ImportResult]:
    """Several files, each (kind, path), imported in this order in one transaction (all of them,
    or nothing: orders, then their lines), and the customers any of them touched re-scored once
    after the commit, as `file_import` does for one. The results carry the re-score note on the
    last one."""
    # Leads written from here on (with a margin: the import stamps them with its own clock).
    started = timezone.now() - timedelta(seconds=1)
    rescoring = not dry_run and ScoringRun.objects.filter(
        status__in=ScoringRun.SCORES_STORED
    ).exists()
    results = [
        import_file(
            kind=kind,
            path=path,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            progress=progress,
            customers_up_to=REALTIME_LIMIT if rescoring else 0,
        )
        for kind, path in files
    ]
    if not dry_run and any(kind == "leads" for kind, _ in files):
        # the scores carry their lead's owner and expected value
        lead_scores_follow(changed_since=started)
    if not dry_run and any(kind == "tickets" for kind, _ in files):
        # imported open tickets get their SLA due moments
        tickets_sla_recompute(now=timezone.now(), missing_only=True)
    customers = sorted({pk for result in results for pk in result.customers})
    note = ""
    if len(customers) > REALTIME_LIMIT or any(
        len(result.customers) > REALTIME_LIMIT for result in results
    ):
        note = f"More than {REALTIME_LIMIT:,} customers changed: run `daur score` to re-score them."
    elif customers:
        customers_rescore_on_commit(customer_ids=customers)
        note = f"Re-scored {len(customers):,} customers with the last fit."
    if results:
        results[-1].rescore_note = note
    return results
