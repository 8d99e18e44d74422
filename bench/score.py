"""Full scoring and real-time re-scoring at scale, on PostgreSQL and SQLite.

    python bench/score.py [--customers 1000000] [--orders-per-customer 10] [--only postgresql|sqlite]
        [--reuse]  (PostgreSQL: keep the database of an earlier run of the same size)
        [--rescore-only]  (with --reuse: time the re-scores alone, with the stored run)

Builds a base in a fresh database with SQL alone (customers, 500 products, ~10 orders with one
line each per customer, some interactions, tickets and NPS answers, all spread over three years),
then times `daur score` in-process (reading the base, the fits and rules, storing the scores, then
the behaviour-change alerts it detects after scoring) and the latency of re-scoring one customer
with the stored fit (200 customers, one at a time).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_URL = "postgresql://postgres@127.0.0.1:5432/daur_bench_score"


LOADED_TABLES = (
    "customers_customer", "catalog_product", "sales_order", "sales_orderline",
    "engagement_interaction", "servicedesk_ticket", "surveys_surveyanswer",
)


@contextmanager
def bulk_load(cursor, tables=LOADED_TABLES) -> Iterator[None]:
    """Load with the tables' secondary indexes and unique constraints dropped (the primary keys
    stay), foreign-key checks and triggers skipped (`session_replication_role = replica`: the
    rows are made consistent by construction, and a benchmark's first run is a full one), then
    rebuild every index and constraint as it was and re-enable the checks. At 100,000,000 orders
    an index kept up row by row costs far more than one built once, in order."""
    cursor.execute("SET maintenance_work_mem = '1GB'")
    cursor.execute("SET session_replication_role = replica")
    rebuild: list[str] = []
    for table in tables:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'", [table])
        for name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [table])
        for name, definition in cursor.fetchall():
            cursor.execute(f"DROP INDEX {name}")
            rebuild.append(definition)
    try:
        yield
    finally:
        cursor.execute("SET session_replication_role = DEFAULT")
        for statement in rebuild:
            cursor.execute(statement)


def build_postgres(cursor, customers: int, per_customer: int) -> None:
    with bulk_load(cursor):
        _build_postgres(cursor, customers, per_customer)
    # As after a large import (docs/scale.md): the visibility map set for index-only reads, and
    # no autovacuum of the new rows running beside the first timed run.
    cursor.execute("VACUUM (ANALYZE)")


def _build_postgres(cursor, customers: int, per_customer: int) -> None:
    orders = customers * per_customer
    cursor.execute(f"""
        INSERT INTO customers_customer (external_id, name, kind, relationship, email, phone,
            country, city, industry, acquired_via, created_at, custom_fields, updated_at)
        SELECT 'C' || g, 'Customer ' || g, 'person', 'external', '', '', 'ID',
            (ARRAY['Jakarta','Surabaya','Bandung','Medan'])[1 + g % 4], '', 'website',
            TIMESTAMPTZ '2023-01-01' + (g % 700) * INTERVAL '1 day', '{{}}', now()
        FROM generate_series(1, {customers}) g""")
    cursor.execute("""
        INSERT INTO catalog_product (sku, name, category, tier, price, unit_cost, launched_on,
            custom_fields, updated_at)
        SELECT 'S' || g, 'Product ' || g, 'cat' || (g % 12),
            (ARRAY['budget','standard','premium'])[1 + g % 3], 100000 + g, 60000 + g,
            DATE '2022-01-01' + (g * 3), '{}', now()
        FROM generate_series(1, 500) g""")
    # Each customer buys at its own rate and spend level; some stop early (lapsed, lost).
    cursor.execute(f"""
        INSERT INTO sales_order (external_id, customer_id, ordered_at, amount, currency,
            discount_amount, coupon_code, channel, custom_fields, updated_at)
        SELECT 'O' || g, c, TIMESTAMPTZ '2023-11-01'
            + ((hashint % 1000) * (0.3 + (c % 7) / 10.0)) * INTERVAL '1 day',
            (20000 + (c * 7919 % 500) * 4000) * (0.6 + (hashint % 80) / 100.0), 'IDR',
            CASE WHEN hashint % 5 = 0 THEN 10000 ELSE 0 END, '', 'web', '{{}}', now()
        FROM (SELECT g, (1 + g % {customers})::bigint AS c, abs(hashtext(g::text)::bigint) AS hashint
              FROM generate_series(1, {orders}) g) s""")
    cursor.execute("""
        INSERT INTO sales_orderline (order_id, customer_id, product_id, quantity, unit_price,
            discount_amount, custom_fields, updated_at)
        SELECT o.id, o.customer_id, 1 + o.id % 500, 1, o.amount + o.discount_amount, o.discount_amount, '{}', now()
        FROM sales_order o""")
    cursor.execute(f"""
        INSERT INTO engagement_interaction (customer_id, kind, occurred_at, channel, note,
            natural_key, custom_fields, updated_at)
        SELECT 1 + g % {customers}, (ARRAY['visit','inquiry','call'])[1 + g % 3],
            TIMESTAMPTZ '2023-10-01' + (g % 1000) * INTERVAL '1 day', 'web', '', 'k' || g, '{{}}', now()
        FROM generate_series(1, {customers * 2}) g""")
    cursor.execute(f"""
        INSERT INTO servicedesk_ticket (external_id, customer_id, kind, priority, opened_at, status,
            custom_fields, updated_at)
        SELECT 'T' || g, 1 + (g * 7) % {customers}, (ARRAY['complaint','request','suggestion'])[1 + g % 3],
            'normal', TIMESTAMPTZ '2024-01-01' + (g % 900) * INTERVAL '1 day', 'closed', '{{}}', now()
        FROM generate_series(1, {customers // 5}) g""")
    # The answers' days stay within the orders' span whatever the size (one a minute, wrapping
    # after 250,000: the same base as before up to 1,000,000 customers); at 10,000,000 they once
    # ran to 2028 and made the as-of day, so every customer was lost.
    cursor.execute(f"""
        INSERT INTO surveys_surveyanswer (customer_id, answered_at, nps, comment, custom_fields, updated_at)
        SELECT 1 + (g * 3) % {customers},
            TIMESTAMPTZ '2024-01-01' + (g % 250000) * INTERVAL '1 minute',
            g % 11, '', '{{}}', now()
        FROM generate_series(1, {customers // 4}) g""")


def build_sqlite(cursor, customers: int, per_customer: int) -> None:
    orders = customers * per_customer
    series = "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {n})"
    cursor.execute(series.format(n=customers) + """
        INSERT INTO customers_customer (external_id, name, kind, relationship, email, phone,
            country, city, industry, acquired_via, created_at, custom_fields, updated_at)
        SELECT 'C' || g, 'Customer ' || g, 'person', 'external', '', '', 'ID',
            CASE g % 4 WHEN 0 THEN 'Jakarta' WHEN 1 THEN 'Surabaya' WHEN 2 THEN 'Bandung' ELSE 'Medan' END,
            '', 'website', datetime('2023-01-01', '+' || (g % 700) || ' days'), '{}', datetime('now')
        FROM s""")
    cursor.execute(series.format(n=500) + """
        INSERT INTO catalog_product (sku, name, category, tier, price, unit_cost, launched_on,
            custom_fields, updated_at)
        SELECT 'S' || g, 'Product ' || g, 'cat' || (g % 12),
            CASE g % 3 WHEN 0 THEN 'budget' WHEN 1 THEN 'standard' ELSE 'premium' END,
            100000 + g, 60000 + g, date('2022-01-01', '+' || (g * 3) || ' days'), '{}', datetime('now')
        FROM s""")
    cursor.execute(series.format(n=orders) + f"""
        INSERT INTO sales_order (external_id, customer_id, ordered_at, amount, currency,
            discount_amount, coupon_code, channel, custom_fields, updated_at)
        SELECT 'O' || g, 1 + (g % {customers}),
            datetime('2023-11-01', '+' || CAST((((g * 2654435761) % 999983) % 1000) * (0.3 + ((1 + g % {customers}) % 7) / 10.0) AS INTEGER) || ' days'),
            (20000 + ((1 + g % {customers}) * 7919 % 500) * 4000) * (0.6 + ((g * 40503) % 80) / 100.0), 'IDR', CASE WHEN g % 5 = 0 THEN 10000 ELSE 0 END,
            '', 'web', '{{}}', datetime('now')
        FROM s""")
    cursor.execute("""
        INSERT INTO sales_orderline (order_id, customer_id, product_id, quantity, unit_price,
            discount_amount, custom_fields, updated_at)
        SELECT o.id, o.customer_id, 1 + o.id % 500, 1, o.amount + o.discount_amount, o.discount_amount, '{}', datetime('now')
        FROM sales_order o""")
    cursor.execute(series.format(n=customers * 2) + f"""
        INSERT INTO engagement_interaction (customer_id, kind, occurred_at, channel, note,
            natural_key, custom_fields, updated_at)
        SELECT 1 + g % {customers}, CASE g % 3 WHEN 0 THEN 'visit' WHEN 1 THEN 'inquiry' ELSE 'call' END,
            datetime('2023-10-01', '+' || (g % 1000) || ' days'), 'web', '', 'k' || g, '{{}}', datetime('now')
        FROM s""")
    cursor.execute(series.format(n=customers // 5) + f"""
        INSERT INTO servicedesk_ticket (external_id, customer_id, kind, priority, opened_at, status,
            custom_fields, updated_at)
        SELECT 'T' || g, 1 + (g * 7) % {customers},
            CASE g % 3 WHEN 0 THEN 'complaint' WHEN 1 THEN 'request' ELSE 'suggestion' END,
            'normal', datetime('2024-01-01', '+' || (g % 900) || ' days'), 'closed', '{{}}', datetime('now')
        FROM s""")
    cursor.execute(series.format(n=customers // 4) + f"""
        INSERT INTO surveys_surveyanswer (customer_id, answered_at, nps, comment, custom_fields, updated_at)
        SELECT 1 + (g * 3) % {customers}, datetime('2024-01-01', '+' || g || ' minutes'),
            g % 11, '', '{{}}', datetime('now')
        FROM s""")


def rescore_latencies(customers: int) -> list[float]:
    """Re-score 200 random customers one at a time with the stored fit; ms each, sorted."""
    from daur.insights.services import customers_rescore

    pks = random.Random(1).sample(range(1, customers + 1), 200)
    latencies = []
    for pk in pks:
        t = time.perf_counter()
        customers_rescore(customer_ids=[pk])
        latencies.append((time.perf_counter() - t) * 1000)
    return sorted(latencies)


def bench(label: str, customers: int, per_customer: int, reuse: bool = False,
          rescore_only: bool = False) -> None:
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM customers_customer")
        built_before = reuse and cursor.fetchone()[0] == customers
        if not built_before:
            (build_postgres if label == "postgresql" else build_sqlite)(cursor, customers, per_customer)
    built = time.perf_counter() - started
    if rescore_only:
        latencies = rescore_latencies(customers)
        print(f"\n{label}: {customers:,} customers, {customers * per_customer:,} orders")
        print(f"  real-time re-score p50 {latencies[100]:.1f} ms, p95 {latencies[190]:.1f} ms, "
              f"max {latencies[-1]:.1f} ms")
        return
    from daur.insights.extract import base_records
    from daur.insights.services import scores_compute
    from daur.jobs import run_followups

    started = time.perf_counter()
    records = base_records()
    read = time.perf_counter() - started
    del records
    started = time.perf_counter()
    run = scores_compute()
    total = time.perf_counter() - started
    # What `daur score` does after scoring: the dashboard's figures, then the alerts.
    started = time.perf_counter()
    facts, alerts = run_followups(run)
    alerting = time.perf_counter() - started
    latencies = rescore_latencies(customers)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{label}: {customers:,} customers, {customers * per_customer:,} orders (built in {built:.0f} s)")
    print(f"  scoring           {total:7.1f} s  (reading the base alone: {read:.1f} s); peak {peak:,.0f} MB")
    print(f"  dashboard figures and alerts {alerting:.1f} s (figures alone {facts.seconds:.1f} s; {len(alerts)} alerts)")
    print(f"  daur score (scoring, then figures and alerts) {total + alerting:.1f} s")
    fitted = {k: v for k, v in run.fits.items() if isinstance(v, dict) and "seconds" in v}
    print("  fits (whole base) " + "; ".join(f"{k} {v['seconds']:.2f} s" for k, v in fitted.items()))
    print(f"  purchase model    {run.fits.get('purchase_model')} "
          f"({(run.fits.get('selection') or {}).get('reason', '')})")
    print(f"  real-time re-score p50 {latencies[100]:.1f} ms, p95 {latencies[190]:.1f} ms, max {latencies[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders-per-customer", type=int, default=10)
    parser.add_argument("--only", choices=("postgresql", "sqlite"))
    parser.add_argument("--child", choices=("postgresql", "sqlite"))
    parser.add_argument("--reuse", action="store_true",
                        help="PostgreSQL: keep the database of an earlier run of the same size")
    parser.add_argument("--rescore-only", action="store_true",
                        help="with --reuse: time the real-time re-scores alone")
    args = parser.parse_args()
    if args.rescore_only and not args.reuse:
        parser.error("--rescore-only needs --reuse (a scored database)")
    if args.child:
        bench(args.child, args.customers, args.orders_per_customer, args.reuse, args.rescore_only)
        return
    import subprocess

    for label in ("postgresql", "sqlite"):
        if args.only not in (None, label):
            continue
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "DAUR_HOME": home, "DJANGO_SETTINGS_MODULE": "daur.config.settings",
                   "PYTHONPATH": str(ROOT / "src")}
            if label == "postgresql":
                import psycopg

                with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
                    exists = conn.execute(
                        "SELECT 1 FROM pg_database WHERE datname = 'daur_bench_score'").fetchone()
                    if not (args.reuse and exists):
                        conn.execute("DROP DATABASE IF EXISTS daur_bench_score")
                        conn.execute("CREATE DATABASE daur_bench_score")
                env["DAUR_DATABASE_URL"] = PG_URL
            else:
                env.pop("DAUR_DATABASE_URL", None)
            subprocess.run([sys.executable, __file__, "--child", label, "--customers", str(args.customers),
                            "--orders-per-customer", str(args.orders_per_customer)]
                           + (["--reuse"] if args.reuse else [])
                           + (["--rescore-only"] if args.rescore_only else []), env=env, check=True)


if __name__ == "__main__":
    main()
