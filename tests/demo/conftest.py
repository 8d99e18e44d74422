"""A generated demo business shared by the demo tests, read back as rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from daur.demo.generate import generate_business

from .behaviour import read_business


@pytest.fixture(scope="session")
def business_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("demo2000")
    generate_business(customers=2000, seed=7, directory=directory)
    return directory


@pytest.fixture(scope="session")
def business(business_dir) -> dict[str, list[dict[str, str]]]:
    return read_business(business_dir)
