"""A distributed scoring range reads its customers' orders and their lines from indexes alone on
PostgreSQL (sales migrations 0002 and 0003): on an orders table whose customers' orders are
spread over every page (as they arrive), the plan for a range of customers is an index-only scan
on both, not a scan of the whole table per range. The lines are found by the customer they hold
(daur.db.line_customer), without the orders."""

from __future__ import annotations

import pytest
from django.db import connection

from daur.insights import extract

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_range_of_customers_orders_and_lines_are_index_only_scans():
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO customers_customer (external_id, name, kind, relationship, email, phone,
                country, city, industry, acquired_via, created_at, custom_fields, updated_at)
            SELECT 'C' || g, 'Customer ' || g, 'person', 'external', '', '', 'ID', '', '', '',
                now(), '{}', now() FROM generate_series(1, 20000) g""")
        cursor.execute("""
            INSERT INTO catalog_product (sku, name, category, tier, price, unit_cost,
                launched_on, custom_fields, updated_at)
            VALUES ('S1', 'Product', 'c', 'standard', 10, 5, NULL, '{}', now())""")
        cursor.execute("SELECT min(id) FROM customers_customer")
        first = cursor.fetchone()[0]
        # 100,000 orders in arrival order: each customer's orders on pages all over the table.
        cursor.execute("""
            INSERT INTO sales_order (external_id, customer_id, ordered_at, amount, currency,
                discount_amount, coupon_code, channel, custom_fields, updated_at)
            SELECT 'O' || g, %s + g %% 20000, now() - g * INTERVAL '1 minute', 10, 'IDR', 0,
                '', '', '{}', now() FROM generate_series(1, 100000) g""", [first])
        cursor.execute("""
            INSERT INTO sales_orderline (order_id, product_id, quantity, unit_price,
                discount_amount, custom_fields, updated_at)
            SELECT o.id, p.id, 1, 10, 0, '{}', now() FROM sales_order o, catalog_product p""")
        cursor.execute("VACUUM ANALYZE sales_order")
        cursor.execute("VACUUM ANALYZE sales_orderline")
    sql = extract._Sql(None, (first, first + 999))  # a range of 1,000 customers of 20,000
    orders = _plan(sql.render(extract.ORDERS_SQL))
    lines = _plan(sql.render(extract.LINES_SQL))
    assert "Index Only Scan using order_customer_time_idx" in orders, orders
    assert "Index Only Scan using order_line_customer_idx" in lines, lines
    assert "sales_order " not in lines, lines
    with connection.cursor() as cursor:
        # Written without a customer: the trigger gave every line its order's.
        cursor.execute("SELECT COUNT(*) FROM sales_orderline l JOIN sales_order o "
                       "ON o.id = l.order_id WHERE l.customer_id = o.customer_id")
        assert cursor.fetchone()[0] == 100000
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conname = 'order_line_unique_sku'")
        definition = cursor.fetchone()[0]
    assert definition == (
        "UNIQUE (order_id, product_id) INCLUDE (quantity, unit_price, discount_amount)"
    )


def test_a_runs_stored_parts_and_columns_are_kept_uncompressed():
    """Written once and read once or twice, they are not compressed (insights migration 0019):
    floats and base64 text hardly compress, and compressing cost half of a range's write."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attrelid::regclass::text || '.' || attname, attstorage FROM pg_attribute "
            "WHERE (attrelid::regclass::text, attname) IN (('insights_scoringrangecolumn', "
            "'data'), ('insights_scoringstatecolumn', 'data'), ('insights_scoringrange', "
            "'summary'), ('insights_scoringrange', 'clv'), ('insights_scoringrange', "
            "'neighbourhood'))"
        )
        storage = dict(cursor.fetchall())
    assert len(storage) == 5 and set(storage.values()) == {"e"}, storage
