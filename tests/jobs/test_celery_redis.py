"""Jobs through a real Redis broker and a real Celery worker (in this process)."""

from __future__ import annotations

import os

import pytest

from daur.customers.models import Customer

REDIS_URL = os.environ.get("DAUR_TEST_REDIS_URL", "")

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="DAUR_TEST_REDIS_URL is not set (no Redis here)"),
]


@pytest.mark.django_db(transaction=True)
def test_an_import_runs_in_a_worker_through_redis(celery_worker_on_redis, tmp_path):
    from daur.jobs import file_import_task

    path = tmp_path / "customers.csv"
    path.write_text("customer_id,name\nC1,Ani\nC2,Budi\n", encoding="utf-8")
    outcome = file_import_task.delay(kind="customers", path=str(path)).get(timeout=60)
    assert outcome["ok"] and outcome["created"] == 2
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["C1", "C2"]
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,name\nC3,\n", encoding="utf-8")
    failed = file_import_task.delay(kind="customers", path=str(bad)).get(timeout=60)
    assert not failed["ok"] and "line 2, column name" in failed["report"]
    assert Customer.objects.count() == 2
