"""A scored demo business, shared by the insights tests."""

from __future__ import annotations

import pytest

from daur.demo.load import demo_load
from daur.insights.services import scores_compute

DEMO_CUSTOMERS = 800
DEMO_SEED = 11


@pytest.fixture
def demo_business(db):
    demo_load(customers=DEMO_CUSTOMERS, seed=DEMO_SEED)


@pytest.fixture
def scored_business(demo_business):
    return scores_compute()
