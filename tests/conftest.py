"""Shared test set-up: pure tests are marked so the PostgreSQL run can leave them out."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
PURE_DIRS = (TESTS / "analytics", TESTS / "demo")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(Path(str(item.path)).is_relative_to(d) for d in PURE_DIRS):
            item.add_marker(pytest.mark.pure)


@pytest.fixture
def write_csv(tmp_path: Path):
    """Write a CSV file from text (or bytes) and return its path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and before it is dropped, no session left on it.

    A test whose ORM calls run while Playwright's event loop is active gets a connection in a
    context that the teardown cannot reach; PostgreSQL then refuses to drop the database and it
    would be left behind on the server.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def rescored(monkeypatch) -> list[list[int]]:
    """The real-time re-scores that ran (after their commits), each as the customer ids it was
    given; recorded instead of run."""
    from daur.insights import services as insights_services

    calls: list[list[int]] = []

    def record(*, customer_ids):  # noqa: ANN001, ANN202
        calls.append(list(customer_ids))
        return len(customer_ids)

    monkeypatch.setattr(insights_services, "customers_rescore", record)
    return calls



@contextmanager
def celery_app_on(redis_url: str):
    """The Celery app with the test Redis as broker and result store, its connection pool fresh
    on the way in and out (a pool made for another broker would outlive the change; the old one
    is left to the garbage collector, as closing it would break who still holds it)."""
    from daur.config.celery import app

    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {k: app.conf[k] for k in keys}

    def fresh_pool() -> None:
        app._pool = None
        app.amqp._producer_pool = None
        app.control.mailbox._producer_pool = None

    fresh_pool()
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False)
    try:
        yield app
    finally:
        fresh_pool()
        app.conf.update(saved)


@pytest.fixture
def celery_worker_on_redis():
    """A real Celery worker (in this process, solo pool) on the test Redis as broker."""
    from celery.contrib.testing.worker import start_worker

    redis_url = os.environ.get("DAUR_TEST_REDIS_URL", "")
    if not redis_url:
        pytest.skip("DAUR_TEST_REDIS_URL is not set (no Redis here)")
    with (
        celery_app_on(redis_url) as app,
        start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"),
    ):
        yield app


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) on loopback, with Django's SMTP backend pointed at it; the
    messages it received are in `.messages`."""
    from tests.mail.smtp_sink import smtp_start

    controller, sink = smtp_start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.DAUR_BASE_URL = "https://crm.example.com"
    yield sink
    controller.stop()
@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page request activates the user's language
    for the thread and leaves it on, which would change the messages the next test reads."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
