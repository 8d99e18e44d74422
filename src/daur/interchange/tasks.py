"""Celery entry points for imports: the web pages and the API hand big files to a worker."""

from __future__ import annotations

from celery import shared_task

from daur.interchange.importer import ImportFailed, import_file


@shared_task(name="daur.interchange.import_file")
def import_file_task(*, kind: str, path: str, skip_invalid: bool = False) -> dict:
    """Import one file in a worker; idempotent (the import upserts), so a retry is harmless."""
    try:
        result = import_file(kind=kind, path=path, skip_invalid=skip_invalid)
    except ImportFailed as failure:
        return {"ok": False, "report": failure.report(), "bad_rows": failure.bad_rows}
    return {
        "ok": True,
        "report": result.report(),
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
    }
