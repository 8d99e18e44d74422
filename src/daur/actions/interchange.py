"""Importing files: their rows written (all valid, or nothing), then the customers they belong to
re-scored with the last fit once the import commits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.db import transaction

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
