"""Shared test set-up: pure tests are marked so the PostgreSQL run can leave them out."""

from __future__ import annotations

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


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page request activates the user's language
    for the thread and leaves it on, which would change the messages the next test reads."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
