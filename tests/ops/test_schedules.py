"""Schedules: `daur init` adds the defaults once and keeps an operator's edits; a scheduled job
runs once per period however many schedulers ask; `daur scheduler` sends due jobs to Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.db import connection
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from daur.cli import main
from daur.insights.models import ScoringRun
from daur.jobs import once_per, score_nightly_task
from daur.schedules import SCHEDULES, schedules_ensure

REDIS_URL = os.environ.get("DAUR_TEST_REDIS_URL", "")
ON_POSTGRESQL = bool(os.environ.get("DAUR_TEST_DATABASE_URL"))


@pytest.mark.django_db
def test_the_defaults_are_added_once_and_edits_are_kept():
    assert schedules_ensure() == [s.name for s in SCHEDULES]
    nightly = PeriodicTask.objects.get(name="Nightly scoring")
    assert nightly.task == "daur.jobs.score_nightly"
    assert (nightly.crontab.minute, nightly.crontab.hour) == ("0", "2")
    later, _ = CrontabSchedule.objects.get_or_create(minute="30", hour="4")
    nightly.crontab = later
    nightly.enabled = False
    nightly.save()
    assert schedules_ensure() == []
    nightly.refresh_from_db()
    assert (nightly.crontab.hour, nightly.enabled) == ("4", False)
    nightly.delete()
    assert schedules_ensure() == ["Nightly scoring"]


@pytest.mark.django_db
def test_the_nightly_scoring_runs_once_a_day_whoever_asks(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "schedules-test"}}
    first = score_nightly_task()
    second = score_nightly_task()
    assert first["ok"] and "skipped" not in first
    assert second["skipped"].startswith("already started on")
    assert ScoringRun.objects.count() == 1


@pytest.mark.django_db
def test_a_claim_is_per_job_and_period(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "claims-test"}}
    assert once_per("a", "2026-12-06", 60)
    assert not once_per("a", "2026-12-06", 60)
    assert once_per("a", "2026-12-07", 60) and once_per("b", "2026-12-06", 60)


def test_the_scheduler_needs_redis(capsys, settings):
    settings.REDIS_URL = ""
    assert main(["scheduler"]) == 2
    assert "needs DAUR_REDIS_URL" in capsys.readouterr().err


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.skipif(not (REDIS_URL and ON_POSTGRESQL), reason="needs DAUR_TEST_DATABASE_URL and DAUR_TEST_REDIS_URL")
@pytest.mark.django_db(transaction=True)
def test_the_scheduler_sends_a_due_job_to_the_workers_queue(tmp_path):
    import redis

    every_second, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.create(
        name="Test tick", task="daur.jobs.score_nightly", interval=every_second
    )
    broker = redis.Redis.from_url(REDIS_URL)
    broker.delete("celery")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DAUR_DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DAUR_REDIS_URL": REDIS_URL,
        "DAUR_HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "daur.config.settings",
    }
    beat = subprocess.Popen(
        [sys.executable, "-m", "daur.cli", "scheduler", "--loglevel", "WARNING"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not broker.llen("celery"):
            time.sleep(0.5)
        queued = broker.llen("celery")
    finally:
        beat.terminate()
        output = beat.communicate(timeout=30)[0].decode(errors="replace")
        broker.delete("celery")
    assert queued >= 1, output
