"""An order line holds its order's customer (daur.db.line_customer), whoever writes the line and
whatever later happens to the order: written by the import and the order action, filled by a
trigger otherwise, moved with the order (a merge and its undo), with the line to another order,
and filled afterwards where no trigger could reach (a line written before its order)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction

from daur.actions.customers_merge import customer_merge, customer_merge_undo
from daur.actions.sales import LineInput, order_record
from daur.db.line_customer import lines_customer_fill
from daur.interchange.importer import import_file
from daur.sales.models import Order, OrderLine
from tests.web.factories import customer_make, product_make

pytestmark = pytest.mark.django_db(transaction=True)

WHEN = datetime(2026, 10, 30, 9, tzinfo=UTC)


def _stored() -> dict[int, tuple[int | None, int]]:
    """Per line: the customer it holds and its order's customer, as stored."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.id, l.customer_id, o.customer_id FROM sales_orderline l "
            "JOIN sales_order o ON o.id = l.order_id"
        )
        return {pk: (held, owner) for pk, held, owner in cursor.fetchall()}


def _agree() -> bool:
    stored = _stored()
    return bool(stored) and all(held == owner for held, owner in stored.values())


def _order(customer, external_id: str) -> Order:
    return Order.objects.create(
        customer=customer, external_id=external_id, ordered_at=WHEN, amount=Decimal(10),
        currency="IDR",
    )


def test_a_line_written_without_its_customer_gets_the_orders():
    a = customer_make()
    product = product_make("S-1")
    order = _order(a, "O-1")
    line = OrderLine.objects.create(order=order, product=product, quantity=1, unit_price=10)
    line.refresh_from_db()
    assert line.customer_id == a.pk
    # The order changes hands: its line follows.
    b = customer_make()
    Order.objects.filter(pk=order.pk).update(customer=b)
    line.refresh_from_db()
    assert line.customer_id == b.pk


def test_the_order_action_writes_it_and_a_line_moved_to_another_order_follows():
    a, b = customer_make(), customer_make()
    product_make("S-1")
    order = order_record(
        customer=a, external_id="O-1", ordered_at=WHEN,
        lines=[LineInput(sku="S-1", quantity=Decimal(1), unit_price=Decimal(10))],
    )
    assert _agree()
    other = _order(b, "O-2")
    OrderLine.objects.filter(order=order).update(order=other)
    assert _agree() and {held for held, _ in _stored().values()} == {b.pk}


def test_an_import_writes_each_line_its_orders_customer_and_a_reimport_moves_it(write_csv):
    import_file(kind="customers", path=write_csv("customers.csv", (
        "customer_id,name,created_at\nC1,Ani,2026-01-01\nC2,Budi,2026-01-01\n"
    )))
    import_file(kind="products", path=write_csv("products.csv", (
        "sku,name,category,price\nS-1,Tea,tea,10\nS-2,Rice,food,20\n"
    )))
    import_file(kind="orders", path=write_csv("orders.csv", (
        "order_id,customer_id,ordered_at,amount\n"
        "O-1,C1,2026-02-01T10:00:00+00:00,30\nO-2,C2,2026-02-02T10:00:00+00:00,20\n"
    )))
    import_file(kind="order_lines", path=write_csv("lines.csv", (
        "order_id,sku,quantity,unit_price\nO-1,S-1,1,10\nO-1,S-2,1,20\nO-2,S-2,1,20\n"
    )))
    assert len(_stored()) == 3 and _agree()
    # The orders file again, O-1 now C2's (a correction at the source): its lines follow.
    import_file(kind="orders", path=write_csv("orders2.csv", (
        "order_id,customer_id,ordered_at,amount\nO-1,C2,2026-02-01T10:00:00+00:00,30\n"
    )))
    assert _agree()
    assert {held for held, _ in _stored().values()} == {Order.objects.get(external_id="O-1").customer_id}


def test_a_merge_moves_the_lines_with_the_orders_and_its_undo_moves_them_back():
    keep = customer_make(external_id="K1")
    duplicate = customer_make(external_id="D1")
    product_make("S-1")
    order_record(
        customer=duplicate, external_id="O-1", ordered_at=WHEN,
        lines=[LineInput(sku="S-1", quantity=Decimal(1), unit_price=Decimal(10))],
    )
    duplicate_pk = duplicate.pk
    (merge,) = customer_merge(keep_id="K1", duplicate_ids=["D1"])
    assert _agree() and {held for held, _ in _stored().values()} == {keep.pk}
    customer_merge_undo(merge_id=merge.pk)
    assert _agree() and {held for held, _ in _stored().values()} == {duplicate_pk}


def test_a_line_written_before_its_order_is_filled_afterwards():
    """The foreign keys are checked at commit, so one transaction may write a line before its
    order: no trigger sees both, and `lines_customer_fill` (called by a distributed scoring run
    before it reads) gives the line its customer."""
    a = customer_make()
    product = product_make("S-1")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) + 1000 FROM sales_order")
            order_pk = cursor.fetchone()[0]
        OrderLine.objects.create(order_id=order_pk, product=product, quantity=1, unit_price=10)
        Order.objects.create(
            pk=order_pk, customer=a, external_id="O-9", ordered_at=WHEN, amount=10, currency="IDR"
        )
    assert [held for held, _ in _stored().values()] == [None]
    assert lines_customer_fill() == 1
    assert _agree()
    assert lines_customer_fill() == 0  # nothing left to fill
