"""The jobs: scoring as one job with one outcome, and its Celery entry points with the import's.

`score_run` is `daur score`: scores, the buyer personas (docs/personas.md), the saved segments'
figures (docs/segments.md), then the
dashboard figures and the alerts; the run is `succeeded` only once the scores, figures and alerts
are stored (docs/scoring.md, "A run's outcome"). The command
line, the benches, the tests and the Celery task call it. The Celery tasks are thin: a worker
runs the same job or action a command would (the web pages and the API hand work to them)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from celery import group, shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from daur.actions.interchange import file_import
from daur.actions.mail_send import emails_send as mail_send
from daur.actions.servicedesk_save import detractors_p_alive, tickets_save_open
from daur.actions.servicedesk_sla import tickets_breaches_record
from daur.definitions.rules import rules_config
from daur.insights.distributed import (
    MAX_ATTEMPTS,
    distributed_check,
    range_work,
    scores_compute_distributed,
)
from daur.insights.incremental import scores_compute_incremental
from daur.insights.lead_scores import LeadScoring, lead_scores_learn, lead_scores_link
from daur.insights.models import DashboardFacts, ScoringRun
from daur.insights.services import scores_compute
from daur.interchange.outcome import ImportFailed

logger = logging.getLogger(__name__)


class FollowupsFailed(RuntimeError):
    """The scores are stored, the dashboard figures or the alerts are not."""

    def __init__(self, run: ScoringRun, error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.run = run


@dataclass(frozen=True)
class ScoreJob:
    run: ScoringRun
    facts: DashboardFacts  # the whole base's row
    alerts: list[Any]  # the open Alerts
    leads: LeadScoring | None = None


def score_run(
    *,
    as_of: date | None = None,
    distributed: bool = False,
    incremental: bool = False,
    range_size: int | None = None,
    progress: Any = None,
) -> ScoreJob:
    """Score the base, then store the dashboard figures and the alerts; the run `succeeded`
    only then. If the figures or alerts fail, the run stays `scored` with the error in its
    message and FollowupsFailed is raised: the next run stores them again.

    The open leads are scored first (the `start` strategy of a prospect reads its lead's score);
    a lead model that cannot be learned falls back to the prior and never stops the customers'
    scoring (docs/lead_score.md). `distributed`: the customers are scored over ranges on the
    Celery workers (`score_ranges_dispatch`; docs/scale.md), `progress(run, phase, done, total)`
    told as ranges finish. `incremental`: only the customers whose inputs changed are read again
    (`scores_compute_incremental`, a full run where one is needed)."""
    if distributed:
        distributed_check()
    leads = lead_scores_learn(as_of=as_of, rules=rules_config().leads)
    detractors = detractors_p_alive()  # their P(alive) before this run replaces it
    if distributed:
        run = scores_compute_distributed(
            dispatch=score_ranges_dispatch, as_of=as_of, range_size=range_size, progress=progress
        )
    elif incremental:
        run = scores_compute_incremental(as_of=as_of)
    else:
        run = scores_compute(as_of=as_of)
    lead_scores_link(leads, run)
    personas_step(run)
    service_desk_followups(detractors)
    segments_snapshot(run)
    facts, alerts = run_followups(run)
    return ScoreJob(run=run, facts=facts, alerts=alerts, leads=leads)


def personas_step(run: ScoringRun) -> None:
    """The buyer personas of this run (docs/personas.md), before the segments' figures (a
    persona's segment counts this run's members); a failure leaves the scores as they are and
    says so in the run's message."""
    from daur.insights.personas import personas_store

    try:
        personas_store(run=run)
    except Exception as error:  # noqa: BLE001 - reported in the run's message
        _note(run, f"The personas are not stored ({type(error).__name__}: {error}).")


def _note(run: ScoringRun, note: str) -> None:
    run.message = f"{run.message} {note}".strip()
    ScoringRun.objects.filter(pk=run.pk).update(message=run.message[:4000])


def service_desk_followups(detractors: dict[int, float | None]) -> None:
    """A save ticket for each valuable detractor whose P(alive) fell, and the SLA breaches that
    came due recorded. A failure here is logged and never fails the run."""
    try:
        tickets_save_open(before=detractors)
        tickets_breaches_record(now=timezone.now())
    except Exception:  # a scoring run is not undone by the service desk's follow-ups
        logger.exception("the service desk's follow-ups of a scoring run failed")


def segments_snapshot(run: ScoringRun) -> None:
    """Every saved segment's figures at this run (docs/segments.md); a failure leaves the scores
    as they are and says so in the run's message."""
    from daur.insights.segments import segment_snapshots_store

    try:
        with transaction.atomic():
            segment_snapshots_store(run=run)
    except Exception as error:  # noqa: BLE001 - reported in the run's message
        _note(run, f"The segments' figures are not stored ({type(error).__name__}: {error}).")


def run_followups(run: ScoringRun) -> tuple[DashboardFacts, list[Any]]:
    """The dashboard's figures (a dashboard request then reads one small row) and the
    behaviour-change alerts of a `scored` run, then the run `succeeded`. One after the other:
    at the same time, on two connections, they were slower on two cores (the alerts read on
    two already)."""
    from daur.insights.alerts import alerts_detect
    from daur.insights.dashboard_figures import dashboard_facts_store

    orders = getattr(run, "order_rows", None)  # what scoring read, where it can be reused
    try:
        facts = dashboard_facts_store(run=run)
        alerts = alerts_detect(run=run, orders=orders)
    except BaseException as error:
        note = (
            f"The scores are stored, the dashboard figures and alerts are not "
            f"({type(error).__name__}: {error}); the next `daur score` stores them."
        )
        run.message = f"{run.message} {note}".strip()
        ScoringRun.objects.filter(pk=run.pk).update(message=run.message[:4000])
        raise FollowupsFailed(run, error) from error
    ScoringRun.objects.filter(pk=run.pk, status=ScoringRun.Status.SCORED).update(
        status=ScoringRun.Status.SUCCEEDED
    )
    run.status = ScoringRun.Status.SUCCEEDED
    return facts, alerts


def score_ranges_dispatch(phase: int, ranges: list[tuple]) -> None:
    """A distributed run's phase: one task per range, as a Celery group (in-process when the
    tasks run eagerly, as on the embedded default)."""
    group(score_range_task.s(*args) for args in ranges).apply_async()


@shared_task(
    name="daur.jobs.score_range",
    acks_late=True,
    reject_on_worker_lost=True,  # a worker killed midway: the range goes back on the queue
    autoretry_for=(Exception,),
    max_retries=MAX_ATTEMPTS - 1,
    retry_backoff=2,
)
def score_range_task(
    run_id: int, number: int, phase: int, snapshot: str, as_of_day: int, first_day: int | None
) -> str:
    """One phase of one range of a distributed run (daur.insights.distributed); idempotent."""
    return range_work(run_id, number, phase, snapshot, as_of_day, first_day)


@shared_task(name="daur.jobs.score_run")
def score_run_task(
    *, as_of: str | None = None, distributed: bool = False, incremental: bool = False
) -> dict:
    """Score the base, store the dashboard figures and alerts; a retry is a new, whole run.
    `distributed` runs only where a worker may wait on others (not inside a range's worker
    pool alone: start at least two workers, or a worker with a concurrency above one)."""
    try:
        job = score_run(
            as_of=date.fromisoformat(as_of) if as_of else None,
            distributed=distributed,
            incremental=incremental,
        )
    except FollowupsFailed as failure:
        return {
            "ok": False,
            "run_id": failure.run.pk,
            "status": failure.run.status,
            "message": failure.run.message,
        }
    return {"ok": True, "run_id": job.run.pk, "status": job.run.status, "alerts": len(job.alerts)}


def once_per(job: str, period: str, seconds: int) -> bool:
    """Whether this is the first start of `job` in `period` (e.g. a date): the claim is kept in
    the shared cache (Redis in production) for `seconds`, so a second scheduler, or a task
    delivered twice, finds it taken and does nothing."""
    from django.core.cache import cache

    return cache.add(f"daur:job:{job}:{period}", 1, timeout=seconds)


@shared_task(name="daur.jobs.score_nightly")
def score_nightly_task() -> dict:
    """The scheduled scoring: once per day in DAUR_TIME_ZONE, however many schedulers ask;
    incremental unless DAUR_SCORE_NIGHTLY_INCREMENTAL is off (a full run where one is needed)."""
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    if not once_per("score_nightly", today, seconds=36 * 3600):
        return {"ok": True, "skipped": f"already started on {today}"}
    return score_run_task(incremental=settings.DAUR_SCORE_NIGHTLY_INCREMENTAL)


@shared_task(name="daur.jobs.file_import")
def file_import_task(*, kind: str, path: str, skip_invalid: bool = False) -> dict:
    """Import one file in a worker; idempotent (the import upserts), so a retry is harmless."""
    try:
        result = file_import(kind=kind, path=path, skip_invalid=skip_invalid)
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


@shared_task(name="daur.jobs.emails_send")
def emails_send(ids: list[int] | None = None) -> dict:
    """Send the queued e-mail (those of `ids` when given). Each batch is claimed by a conditional
    update, so a retried task or two workers never send a message twice (docs/email.md)."""
    outcome = mail_send(ids)
    return {
        "ok": not outcome.error,
        "sent": outcome.sent,
        "failed": outcome.failed,
        "skipped": outcome.skipped,
        "requeued": outcome.requeued,
        "error": outcome.error,
    }


def emails_dispatch() -> dict | None:
    """Send the queued e-mail: in this process on the embedded default (the task's function
    itself, no broker touched), returning its outcome; else queued for a worker (None). The
    scheduler also sends what is queued every minute (daur.schedules)."""
    if emails_send.app.conf.task_always_eager:
        return emails_send()
    emails_send.delay()
    return None


@shared_task(name="daur.jobs.tickets_breaches_record")
def tickets_breaches_record_task() -> int:
    """Record the SLA breaches that came due (run every few minutes by a scheduler)."""
    return tickets_breaches_record(now=timezone.now())


@shared_task(name="daur.jobs.tickets_mail_poll")
def tickets_mail_poll_task() -> dict:
    """Take the support mailbox's unread e-mail into tickets (every minute by the scheduler);
    nothing when no mailbox is configured (DAUR_SUPPORT_IMAP_HOST). Idempotent by Message-ID."""
    from daur.actions.servicedesk_imap import imap_configured, tickets_mail_poll

    if not imap_configured():
        return {"ok": True, "skipped": "no support mailbox configured"}
    minute = timezone.now().strftime("%Y%m%d%H%M")
    if not once_per("tickets_mail_poll", minute, seconds=55):
        return {"ok": True, "skipped": "already polling this minute"}
    polled = tickets_mail_poll()
    return {"ok": not polled.error, "outcomes": polled.outcomes, "error": polled.error}
