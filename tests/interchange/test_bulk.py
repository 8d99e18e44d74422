"""Large loads on PostgreSQL set indexes and foreign keys aside and put them back unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction

from daur.customers.models import Customer
from daur.db import bulk
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
            "WHERE conrelid = %s::regclass ORDER BY 1, 2",
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
    referrers = dict(Customer.objects.values_list("external_id", "referred_by__external_id"))
    assert referrers["C1"] == "C2" and referrers["C3"] == "C1"  # linked after the rebuild
    assert {t: _schema(t) for t in before} == before
    again = import_file(kind="orders", path=sample_files["orders"])
    assert again.unchanged == again.rows
    # More new rows than stored ones: existing rows are updated, new ones inserted in bulk.
    more = sample_files["orders"].read_text().replace(",129.90,", ",139.90,") + "".join(
        f"N{i},C1,2025-03-0{i}T10:00:00Z,{i}00,,,,,\n" for i in range(1, 6)
    )
    path = sample_files["orders"].with_name("more.csv")
    path.write_text(more)
    result = import_file(kind="orders", path=path)
    assert (result.created, result.updated, result.unchanged) == (5, 1, 3)
    assert Order.objects.get(external_id="O3").amount == Decimal("139.90")
    assert Order.objects.get(external_id="N5").customer.external_id == "C1"
    assert {t: _schema(t) for t in before} == before


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
        written = write(self, cursor, sql, now)
        if "WHERE NOT EXISTS" in sql:  # the new rows, written while the indexes are aside
            raise RuntimeError("the disk is full")
        return written

    write = Staging._write
    monkeypatch.setattr(Staging, "_write", fail_after_writing)
    with pytest.raises(RuntimeError):
        import_file(kind="orders", path=sample_files["orders"])
    assert _schema("sales_order") == before
    assert not Order.objects.exists()



def test_a_bulk_load_that_also_moves_orders_to_another_customer(rep, sample_files, bulk_always):
    # Moving an order queues a deferred foreign-key check on the table whose constraints the
    # bulk load then sets aside: the check must run first, not block the ALTER TABLE.
    for kind in IMPORT_ORDER:
        import_file(kind=kind, path=sample_files[kind])
    orders = sample_files["orders"].read_text()
    moved = orders.replace("O2,C1,", "O2,C3,").replace("O4,C2,", "O4,C1,") + "".join(
        f"N{i},C2,2025-03-0{i}T10:00:00Z,{i}00,,,,,\n" for i in range(1, 6)
    )
    path = sample_files["orders"].with_name("moved.csv")
    path.write_text(moved)
    result = import_file(kind="orders", path=path)
    assert (result.created, result.updated, result.unchanged) == (5, 2, 2)
    owners = dict(Order.objects.values_list("external_id", "customer__external_id"))
    assert (owners["O2"], owners["O4"], owners["N3"]) == ("C3", "C1", "C2")


def test_large_imports_in_one_transaction_each_set_constraints_aside(
    rep, sample_files, bulk_always
):
    # As the demo loader does: every import in one transaction, each leaving deferred checks
    # (new lines, moved orders) behind for the next one's ALTER TABLE.
    with transaction.atomic():
        for kind in IMPORT_ORDER:
            import_file(kind=kind, path=sample_files[kind])
        orders = sample_files["orders"].read_text().replace("O2,C1,", "O2,C3,") + "".join(
            f"N{i},C2,2025-03-0{i}T10:00:00Z,{i}00,,,,,\n" for i in range(1, 9)
        )
        path = sample_files["orders"].with_name("moved.csv")
        path.write_text(orders)
        import_file(kind="orders", path=path)
        lines = sample_files["order_lines"].read_text() + "".join(
            f"N{i},SKU-1,1,{i}00,0\n" for i in range(1, 9)
        )
        lines_path = sample_files["order_lines"].with_name("more_lines.csv")
        lines_path.write_text(lines)
        import_file(kind="order_lines", path=lines_path)
    assert Order.objects.get(external_id="O2").customer.external_id == "C3"
    assert OrderLine.objects.filter(order__external_id__startswith="N").count() == 8
