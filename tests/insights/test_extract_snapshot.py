"""On PostgreSQL the base is read in one snapshot by two connections; same columns as in line."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest
from django.db import connection, transaction

from daur.demo.load import demo_load
from daur.insights import extract
from daur.sales.models import Order

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def _columns(value, prefix=""):
    if dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from _columns(getattr(value, field.name), f"{prefix}.{field.name}")
    else:
        yield prefix, value


def test_the_shared_snapshot_read_equals_the_read_in_line(monkeypatch):
    demo_load(customers=120, seed=7)
    threads = []
    fetch = extract.fetch_numeric

    def spy(sql, width, params=(), **options):
        threads.append(threading.current_thread().name)
        return fetch(sql, width, params, **options)

    monkeypatch.setattr(extract, "fetch_numeric", spy)
    shared = extract.base_records()
    assert any(name.startswith("daur-read") for name in threads)
    threads.clear()
    with transaction.atomic():
        in_line = extract.base_records()
    assert not any(name.startswith("daur-read") for name in threads)

    assert Order.objects.count() == len(shared.events.orders.amount) > 0
    np.testing.assert_array_equal(shared.customer_pks, in_line.customer_pks)
    pairs = zip(_columns(shared.events), _columns(in_line.events), strict=True)
    for (name, a), (_, b) in pairs:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=name)
