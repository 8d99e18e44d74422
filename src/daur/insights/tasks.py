"""Celery entry point for scoring: `daur score` in a worker."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from daur.insights.jobs import FollowupsFailed, score_run


@shared_task(name="daur.insights.score_run")
def score_run_task(*, as_of: str | None = None) -> dict:
    """Score the base, store the dashboard figures and alerts; a retry is a new, whole run."""
    try:
        job = score_run(as_of=date.fromisoformat(as_of) if as_of else None)
    except FollowupsFailed as failure:
        return {
            "ok": False,
            "run_id": failure.run.pk,
            "status": failure.run.status,
            "message": failure.run.message,
        }
    return {"ok": True, "run_id": job.run.pk, "status": job.run.status, "alerts": len(job.alerts)}
