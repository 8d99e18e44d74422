"""Fixtures for the interchange tests: the sample business and a user it refers to."""

from __future__ import annotations

from pathlib import Path

import pytest

from daur.accounts.models import User
from daur.interchange.importer import import_file

from .samples import FILES, IMPORT_ORDER


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
