"""A small scored base with a segment, for the campaign tests."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from daur.actions.segments import segment_create
from tests.web.factories import customer_make, order_make, run_make, score_make

LAUNCH = timezone.make_aware(datetime(2025, 7, 1, 9))


@pytest.fixture
def base(db):
    """60 customers in retention (each with an order before the launch of 100,000 x n), 5 lost;
    the segment "Retained" holds the 60."""
    run = run_make()
    kept = []
    for n in range(60):
        customer = customer_make(f"Retained {n}", country="ID" if n % 2 else "IT",
                                 email=f"r{n}@example.com")
        score_make(customer, stage="retention", run=run, clv=1000.0 * n)
        order_make(customer, at=LAUNCH.replace(month=5), amount=str(100_000 * (n + 1)), lines=0)
        kept.append(customer)
    for n in range(5):
        score_make(customer_make(f"Lost {n}"), stage="lost", run=run)
    segment = segment_create(name="Retained", query="stage=retention")
    return {"segment": segment, "customers": kept}


@pytest.fixture
def small_rules(settings, tmp_path):
    """Rules under which a campaign of a few dozen members can be measured."""
    rules = tmp_path / "rules.toml"
    rules.write_text(
        "[campaigns]\nmin_group_members = 2\nmin_conversions = 1\nmin_non_conversions = 1\n"
    )
    settings.DAUR_RULES_FILE = str(rules)
    return rules
