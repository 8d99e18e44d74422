"""`/healthz` and `/readyz` for load balancers and process supervisors.

`/healthz` says whether this web process can do its work: the database answers, Redis answers
(when configured), and at least one Celery worker answers a ping (when jobs run on workers; on the
embedded default they run in-process). `/readyz` says whether the process should receive traffic:
the database answers and has every migration applied. Both answer JSON, 200 when all is well and
503 otherwise, with each part's state and, for a failure, its reason. Neither needs a login nor
shows a secret (no URL, no password): only the names of the parts and the errors' kinds.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# How long a check may wait for a service before calling it down, in seconds.
CHECK_TIMEOUT = 2.0


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as error:  # noqa: BLE001 - any failure is the part being down, with its kind
        state = {"ok": False, "error": type(error).__name__}
    else:
        state = {"ok": True, **(detail or {})}
    state["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return state


def _database() -> dict:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connections[DEFAULT_DB_ALIAS].vendor}


def _redis() -> dict:
    import redis

    redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT
    ).ping()
    return {}


def _workers() -> dict:
    from daur.config.celery import app

    replies = app.control.ping(timeout=CHECK_TIMEOUT) or []
    if not replies:
        raise WorkerUnreachable
    return {"workers": len(replies)}


class WorkerUnreachable(Exception):
    """No Celery worker answered the ping in time."""


class MigrationsPending(Exception):
    """The database lacks migrations this code needs (run `daur init`)."""


def _migrated() -> dict:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise MigrationsPending
    return {}


def _answer(parts: dict[str, dict]) -> JsonResponse:
    ok = all(part["ok"] for part in parts.values())
    return JsonResponse({"ok": ok, "checks": parts}, status=200 if ok else 503)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    parts = {"database": _timed(_database)}
    if settings.REDIS_URL:
        parts["redis"] = _timed(_redis)
        parts["workers"] = _timed(_workers)
    else:
        parts["jobs"] = {"ok": True, "mode": "in-process", "ms": 0.0}
    return _answer(parts)


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    return _answer({"database": _timed(_database), "migrations": _timed(_migrated)})
