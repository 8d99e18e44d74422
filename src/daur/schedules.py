"""The schedules `daur scheduler` (Celery beat) keeps: rows of django-celery-beat, so an operator
changes a time or pauses a job in the admin (Periodic tasks) without a deployment.

`schedules_ensure()` (run by `daur init`) adds each default schedule that is missing and leaves
the existing ones as an operator left them. Each scheduled job is idempotent and locked for its
period (daur.jobs.once_per), so two schedulers running by mistake never run it twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    description: str
    crontab: tuple[str, str] | None = None  # (minute, hour), in DAUR_TIME_ZONE
    every_seconds: int | None = None


# The nightly run also re-learns the lead score from the won/lost history (docs/lead_score.md).
SCHEDULES = (
    Schedule(
        name="Nightly scoring",
        task="daur.jobs.score_nightly",
        description="Score every customer and open lead, re-learn the lead score, store the "
        "dashboard figures, segments and alerts; once per day whatever runs it.",
        crontab=("0", "2"),
    ),
    Schedule(
        name="E-mail sends",
        task="daur.jobs.emails_send",
        description="Send the queued e-mail (campaigns, surveys, the desk's replies); each "
        "message is claimed before it is sent, so a run that overlaps another sends nothing "
        "twice.",
        every_seconds=60,
    ),
    Schedule(
        name="SLA breach checks",
        task="daur.jobs.tickets_breaches_record",
        description="Record the service desk's SLA breaches that came due; a breach is "
        "recorded once, so overlapping runs change nothing.",
        every_seconds=300,
    ),
    Schedule(
        name="Support mailbox",
        task="daur.jobs.tickets_mail_poll",
        description="Take the support mailbox's unread e-mail into tickets (does nothing "
        "until DAUR_SUPPORT_IMAP_HOST is set); a message is taken once by its Message-ID.",
        every_seconds=60,
    ),
)


def _schedule_of(item: Schedule) -> dict:
    if item.crontab:
        minute, hour = item.crontab
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        return {"crontab": crontab}
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=item.every_seconds, period=IntervalSchedule.SECONDS
    )
    return {"interval": interval}


@transaction.atomic
def schedules_ensure() -> list[str]:
    """Add the default schedules that are missing (by name); returns the names added."""
    added = []
    for item in SCHEDULES:
        if PeriodicTask.objects.filter(name=item.name).exists():
            continue
        PeriodicTask.objects.create(
            name=item.name, task=item.task, description=item.description,
            kwargs=json.dumps({}), **_schedule_of(item),
        )
        added.append(item.name)
    return added
