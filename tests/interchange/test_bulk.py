"""Large loads on PostgreSQL set indexes and foreign keys aside and put them back unchanged."""

from __future__ import annotations

import pytest
from django.db import connection

from daur.interchange import bulk
from daur.interchange.importer import import_file
from daur.interchange.staging import Staging
from daur.sales.models import Order, OrderLine

from .samples import IMPORT_ORDER

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def _schema(table: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass ORDER BY 1",
            [table, table],
        )
        return cursor.fetchall()


@pytest.fixture
def bulk_always(monkeypatch):
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)


def test_a_bulk_load_keeps_every_index_and_constraint(rep, sample_files, bulk_always):
    before = {t: _schema(t) for t in ("sales_order", "sales_orderline")}
    assert any("order_time_idx" in name for name, _ in before["sales_order"])
    for kind in IMPORT_ORDER:
        import_file(kind=kind, path=sample_files[kind])
    assert Order.objects.count() == 4 and OrderLine.objects.exists()
    assert {t: _schema(t) for t in before} == before
    again = import_file(kind="orders", path=sample_files["orders"])
    assert again.unchanged == again.rows


def test_a_failed_or_dry_bulk_load_leaves_the_schema_as_it_was(
    rep, sample_files, bulk_always, monkeypatch
):
    for kind in IMPORT_ORDER[: IMPORT_ORDER.index("orders")]:
        import_file(kind=kind, path=sample_files[kind])
    before = _schema("sales_order")
    result = import_file(kind="orders", path=sample_files["orders"], dry_run=True)
    assert result.created == 4 and not Order.objects.exists()
    assert _schema("sales_order") == before

    def fail_after_writing(self, cursor, sql, now):
        write(self, cursor, sql, now)
        raise RuntimeError("the disk is full")

    write = Staging._write
    monkeypatch.setattr(Staging, "_write", fail_after_writing)
    with pytest.raises(RuntimeError):
        import_file(kind="orders", path=sample_files["orders"])
    assert _schema("sales_order") == before
    assert not Order.objects.exists()
