"""A scoring run is one job with one outcome: a run whose process is gone is marked failed, and a
run is `succeeded` only once its dashboard figures and alerts are stored."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

import daur
from daur import cli
from daur.demo.load import demo_load
from daur.insights import alerts
from daur.insights.models import Alert, CustomerScore, DashboardFacts, ScoringRun
from daur.insights.runs import runs_stale_fail
from daur.jobs import FollowupsFailed, score_run

from ..cli.test_killed_import import _database_url

pytestmark = pytest.mark.django_db(transaction=True)


def _dead_pid() -> int:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # collected: the pid names no process
    return ended.pid


def _running(**fields) -> ScoringRun:
    return ScoringRun.objects.create(host=socket.gethostname(), **fields)


def test_a_run_whose_process_is_dead_is_marked_failed_at_the_next_run():
    demo_load(customers=150, seed=5)
    dead = _running(pid=_dead_pid())
    alive = _running(pid=os.getpid())  # this process: still running
    elsewhere = ScoringRun.objects.create(host="another-host", pid=1)
    old = ScoringRun.objects.create(host="another-host", pid=1)
    ScoringRun.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(hours=3))
    run = score_run().run
    assert run.status == "succeeded"
    dead.refresh_from_db()
    assert dead.status == "failed" and "killed or crashed" in dead.message
    assert dead.finished_at is not None
    old.refresh_from_db()
    assert old.status == "failed" and "DAUR_SCORING_STALE_MINUTES" in old.message
    for kept in (alive, elsewhere):
        kept.refresh_from_db()
        assert kept.status == "running"


def test_the_stale_limit_is_a_setting(settings):
    settings.DAUR_SCORING_STALE_MINUTES = 10
    recent = ScoringRun.objects.create(host="another-host", pid=1)
    ScoringRun.objects.filter(pk=recent.pk).update(started_at=timezone.now() - timedelta(minutes=5))
    assert runs_stale_fail() == 0
    assert runs_stale_fail(now=timezone.now() + timedelta(minutes=6)) == 1
    assert ScoringRun.objects.get(pk=recent.pk).status == "failed"


def test_a_run_whose_followups_raise_is_not_succeeded_and_the_next_run_stores_them(monkeypatch):
    demo_load(customers=150, seed=5)

    def broken(**kwargs):
        raise RuntimeError("alerts store down")

    monkeypatch.setattr(alerts, "alerts_detect", broken)
    with pytest.raises(FollowupsFailed):
        score_run()
    failed = ScoringRun.objects.get()
    assert failed.status == "scored" and "alerts store down" in failed.message
    assert "the next `daur score` stores them" in failed.message
    assert not Alert.objects.filter(run=failed).exists()
    # The scores themselves are stored and are the current ones.
    assert CustomerScore.objects.filter(run=failed).count() == 150
    monkeypatch.undo()
    job = score_run()
    assert job.run.status == "succeeded"
    assert ScoringRun.objects.get(pk=job.run.pk).status == "succeeded"
    assert DashboardFacts.objects.filter(run=job.run, scope=DashboardFacts.ALL).exists()
    assert len(job.alerts) == Alert.objects.filter(run=job.run).count()


def test_the_command_exits_non_zero_when_the_followups_fail(monkeypatch, capsys):
    demo_load(customers=150, seed=5)
    monkeypatch.setattr(alerts, "alerts_detect", lambda **kwargs: 1 / 0)
    assert cli.main(["score"]) == 1
    assert "ZeroDivisionError" in capsys.readouterr().err
    assert ScoringRun.objects.get().status == "scored"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_daur_score_killed_early_is_marked_failed_by_the_next_and_the_scores_are_kept(tmp_path):
    demo_load(customers=800, seed=11)
    first = score_run().run
    kept = dict(CustomerScore.objects.values_list("customer_id", "p_alive"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAUR_")}
    env.update(
        DAUR_HOME=str(tmp_path),
        DAUR_DATABASE_URL=_database_url(),
        DJANGO_SETTINGS_MODULE="daur.config.settings",
        PYTHONPATH=str(Path(daur.__file__).resolve().parents[1]),  # this checkout's daur
    )
    scoring = subprocess.Popen(
        [sys.executable, "-m", "daur.cli", "score"],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not ScoringRun.objects.filter(pid=scoring.pid, status="running").exists():
            assert scoring.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.02)
        scoring.send_signal(signal.SIGKILL)
        scoring.wait(timeout=10)
    finally:
        if scoring.poll() is None:
            scoring.kill()
    killed = ScoringRun.objects.get(pid=scoring.pid)
    assert killed.status == "running"  # nothing ran to say otherwise
    # The previous scores are still the current ones.
    assert dict(CustomerScore.objects.values_list("customer_id", "p_alive")) == kept
    assert set(CustomerScore.objects.values_list("run_id", flat=True)) == {first.pk}
    assert cli.main(["score"]) == 0
    killed.refresh_from_db()
    assert killed.status == "failed" and f"pid {scoring.pid}" in killed.message
    assert ScoringRun.objects.order_by("-pk").first().status == "succeeded"


def test_the_celery_task_runs_the_whole_job():
    from daur.jobs import score_run_task

    demo_load(customers=150, seed=5)
    result = score_run_task(as_of="2026-10-31")
    run = ScoringRun.objects.get()
    assert result == {"ok": True, "run_id": run.pk, "status": "succeeded",
                      "alerts": Alert.objects.filter(run=run).count()}
    assert run.status == "succeeded" and run.as_of.isoformat() == "2026-10-31"
