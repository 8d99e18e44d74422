"""Redis, the workers' broker, stops in the middle of a campaign's sending and comes back: the
sending resumes and every customer gets the e-mail exactly once. Against the real PostgreSQL, a
real Celery worker process and a Redis server of the test's own (the shared one is not stopped)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

import daur
from daur.actions.mail import emails_queue
from daur.engagement.models import OutboundEmail
from tests.conftest import celery_app_on
from tests.mail.smtp_sink import free_port, smtp_start
from tests.web.factories import customer_make

MESSAGES = 300
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs the redis-server program"),
]


def redis_start(port: int, folder: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import redis

    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis(port=port).ping()
            return server
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "the test's Redis did not start"
            time.sleep(0.1)


def wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_sending_resumes_after_redis_comes_back_and_sends_each_message_once(tmp_path):
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    redis_server = redis_start(port, tmp_path)
    controller, sink = smtp_start(keep=True, delay=0.02)
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAUR_")}
    env.update(
        DJANGO_SETTINGS_MODULE="daur.config.settings",
        PYTHONPATH=str(Path(daur.__file__).resolve().parents[1]),
        DAUR_HOME=str(tmp_path),
        DAUR_DATABASE_URL=f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        DAUR_REDIS_URL=broker,
        DAUR_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DAUR_EMAIL_HOST="127.0.0.1",
        DAUR_EMAIL_PORT=str(controller.port),
        DAUR_BASE_URL="https://crm.example.com",
    )
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "daur.cli", "worker", "--concurrency", "1", "--loglevel", "INFO",
         "--hostname", f"fault{port}@%h"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        customers = [customer_make(email=f"c{i}@shop.example") for i in range(MESSAGES)]
        queued = emails_queue(
            [{"key": f"fault:{c.pk}", "customer_id": c.pk, "subject": "Hello", "body": "Hi"}
             for c in customers]
        )
        assert queued.queued == MESSAGES
        with celery_app_on(broker):
            from daur.jobs import emails_send

            emails_send.delay()
            wait_until(lambda: sink.count >= 40, 120, "the worker never started sending")
            redis_server.terminate()  # the broker goes away mid-sending ...
            redis_server.wait(timeout=20)
            at_stop = sink.count
            time.sleep(2)
            redis_server = redis_start(port, tmp_path)  # ... and comes back, empty
            # What the scheduler does every minute: ask for the queued e-mail to be sent.
            deadline = time.monotonic() + 240
            while OutboundEmail.objects.exclude(status="sent").exists():
                assert time.monotonic() < deadline, (
                    f"not all sent: {sink.count} received; "
                    + (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
                )
                # a send refused while the client reconnects is asked again next time
                with contextlib.suppress(Exception):
                    emails_send.delay()
                time.sleep(3)
        assert at_stop < MESSAGES  # it did stop in the middle
        recipients = [str(m["To"]) for m in sink.messages]
        assert len(recipients) == MESSAGES
        assert len(set(recipients)) == MESSAGES  # nobody twice
        assert OutboundEmail.objects.filter(status="sent").count() == MESSAGES
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        redis_server.terminate()
        controller.stop()
