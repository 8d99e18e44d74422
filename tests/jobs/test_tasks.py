"""A worker knows every job: it imports the Celery tasks when it starts, not when a test has."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import daur


def test_a_starting_worker_registers_the_scoring_and_import_jobs(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAUR_")}
    env.update(
        DAUR_HOME=str(tmp_path),
        DJANGO_SETTINGS_MODULE="daur.config.settings",
        PYTHONPATH=str(Path(daur.__file__).parents[1]),  # this checkout's code
    )
    code = (
        "from daur.config.celery import app\n"
        "app.loader.import_default_modules()\n"  # what a worker does as it starts
        "print(' '.join(sorted(name for name in app.tasks if name.startswith('daur.'))))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    registered = set(run.stdout.split())
    assert {"daur.jobs.emails_send", "daur.jobs.file_import", "daur.jobs.score_run"} <= registered
    # and every task a default schedule names, or the scheduler would send what no worker knows
    from daur.schedules import SCHEDULES

    assert {s.task for s in SCHEDULES} <= registered
