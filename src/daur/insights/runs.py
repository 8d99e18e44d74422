"""A scoring run's end: failed runs, and `running` runs whose process is gone (docs/scoring.md)."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from daur.insights.models import ScoringRun


def run_fail(run: ScoringRun, message: str) -> None:
    """Mark a run failed, unless it already ended (best effort: the database may be the fault)."""
    try:
        ScoringRun.objects.filter(pk=run.pk, status=ScoringRun.Status.RUNNING).update(
            status=ScoringRun.Status.FAILED, message=message[:2000], finished_at=timezone.now()
        )
    except Exception:  # noqa: BLE001 - the original error is the one to raise
        return
    run.status = ScoringRun.Status.FAILED


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def runs_stale_fail(*, now: datetime | None = None) -> int:
    """Mark failed the `running` runs whose process is gone (same host, pid not alive) or that
    started more than DAUR_SCORING_STALE_MINUTES ago. Returns how many."""
    now = now or timezone.now()
    minutes = settings.DAUR_SCORING_STALE_MINUTES
    host = socket.gethostname()
    failed = 0
    running = ScoringRun.objects.filter(status=ScoringRun.Status.RUNNING)
    for run in running.only("pk", "host", "pid", "started_at"):
        if run.host == host and run.pid and not _alive(run.pid):
            reason = (
                f"The scoring process (pid {run.pid} on {host}) ended before the run finished: "
                "it was killed or crashed. The scores of the previous run were kept."
            )
        elif run.started_at < now - timedelta(minutes=minutes):
            reason = (
                f"Still running after {minutes} minutes (DAUR_SCORING_STALE_MINUTES): taken as "
                "dead. The scores of the previous run were kept."
            )
        else:
            continue
        failed += ScoringRun.objects.filter(pk=run.pk, status=ScoringRun.Status.RUNNING).update(
            status=ScoringRun.Status.FAILED, message=reason, finished_at=now
        )
    return failed


def run_under_way() -> ScoringRun | None:
    """The scoring run under way, if any (the dashboard says so while it runs)."""
    return (
        ScoringRun.objects.filter(status=ScoringRun.Status.RUNNING)
        .only("pk", "started_at", "ranges_total", "ranges_done")
        .order_by("-started_at")
        .first()
    )
