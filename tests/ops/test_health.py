"""/healthz and /readyz: each part's state, 200 only when all answer, no login, no secret."""

from __future__ import annotations

import json
import os

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings

from tests.conftest import celery_app_on

REDIS_URL = os.environ.get("DAUR_TEST_REDIS_URL", "")
pytestmark = pytest.mark.django_db


def answer(path: str) -> tuple[int, dict]:
    response = Client().get(path)
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_embedded_default_is_healthy_without_a_login():
    status, body = answer("/healthz")
    assert status == 200 and body["ok"] is True
    assert body["checks"]["database"]["ok"] and body["checks"]["database"]["vendor"] == connection.vendor
    assert body["checks"]["jobs"] == {"ok": True, "mode": "in-process", "ms": 0.0}


def test_ready_when_every_migration_is_applied():
    status, body = answer("/readyz")
    assert status == 200 and body["checks"]["migrations"]["ok"] is True


def test_not_ready_while_a_migration_is_missing():
    recorder = MigrationRecorder(connection)
    latest = recorder.migration_qs.filter(app="customers").order_by("-id").first()
    latest.delete()
    status, body = answer("/readyz")
    assert status == 503 and body["ok"] is False
    assert body["checks"]["migrations"] == {
        "ok": False, "error": "MigrationsPending", "ms": body["checks"]["migrations"]["ms"]
    }


def test_a_redis_that_does_not_answer_is_reported_without_its_url():
    with override_settings(REDIS_URL="redis://daur:secret-password@127.0.0.1:1/0"):
        status, body = answer("/healthz")
    assert status == 503 and body["checks"]["redis"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert "secret-password" not in json.dumps(body) and "127.0.0.1" not in json.dumps(body)


def test_only_get_is_answered():
    assert Client().post("/healthz").status_code == 405


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="DAUR_TEST_REDIS_URL is not set (no Redis here)")
def test_with_redis_and_no_worker_the_workers_are_down():
    with celery_app_on(REDIS_URL), override_settings(REDIS_URL=REDIS_URL):
        status, body = answer("/healthz")
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["workers"]["ok"] is False
    assert body["checks"]["workers"]["error"] == "WorkerUnreachable"
    assert status == 503


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_a_worker_running_all_is_well(celery_worker_on_redis):
    with override_settings(REDIS_URL=REDIS_URL):
        status, body = answer("/healthz")
    assert body["checks"]["workers"]["ok"] is True, body
    assert body["checks"]["workers"]["workers"] >= 1
    assert status == 200, body
