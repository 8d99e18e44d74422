"""Fixtures for the interchange tests: the sample business and a user it refers to."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from daur.accounts.models import User
from daur.interchange import pipeline
from daur.interchange.importer import import_file

from .samples import FILES, IMPORT_ORDER

# On PostgreSQL every interchange test runs twice: parsing in this process, and in a forked
# one (which large files use) with the same reports, line numbers and results expected.
PARSING = ["in-process", "forked"] if connection.vendor == "postgresql" else ["in-process"]


@pytest.fixture(autouse=True, params=PARSING)
def parsing(request, monkeypatch):
    if request.param == "forked":
        monkeypatch.setattr(pipeline, "PIPELINE_MIN_BYTES", 0)
    return request.param


@pytest.fixture
def rep(db) -> User:
    return User.objects.create_user("rep1", password="x", role="sales_rep")


@pytest.fixture
def sample_files(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for kind in IMPORT_ORDER:
        path = tmp_path / f"{kind}.csv"
        path.write_text(FILES[kind], encoding="utf-8")
        paths[kind] = path
    return paths


@pytest.fixture
def sample_business(rep, sample_files) -> dict[str, Path]:
    for kind in IMPORT_ORDER:
        import_file(kind=kind, path=sample_files[kind])
    return sample_files
