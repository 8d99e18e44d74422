"""An incremental scoring run against a full one (the peer) on the same base, after a day of
changes touching about 1 % of the customers (PostgreSQL).

    python bench/score_incremental.py [--customers 200000] [--orders-per-customer 10]
        [--changed-share 0.01] [--reuse]

Builds bench/score.py's base (SQL alone) in `daur_bench_incr`, runs a full `scores_compute`
(which stores the state), then a day of changes: a new order with a line for `--changed-share`
of the customers and a complaint for a tenth of those, dated the day after the first run's as-of
day. Times `daur score --incremental` (`scores_compute_incremental`) as of that day, then a full
run as of the same day (the peer), and compares the two runs' stored scores customer by customer
(SQL). Prints each run's seconds, the customers read again, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "daur_bench_incr"
PG_URL = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"
COMPARED_TEXT = ("lifecycle_stage", "types", "orientation", "rfm_segment", "strategy")
COMPARED_NUMBERS = (
    "loyalty_score", "rfm_r", "rfm_f", "rfm_m", "p_alive", "expected_orders_90d",
    "expected_order_value", "clv_12m",
)


def day_of_changes(cursor, customers: int, share: float, day: str) -> int:
    """New orders (with a line) for `share` of the customers, complaints for a tenth of them."""
    step = max(1, round(1 / share))
    cursor.execute(f"""
        INSERT INTO sales_order (external_id, customer_id, ordered_at, amount, currency,
            discount_amount, coupon_code, channel, custom_fields, updated_at)
        SELECT 'N' || g, g, TIMESTAMPTZ '{day} 05:00+00', 50000 + (g % 97) * 1000, 'IDR', 0, '',
            'web', '{{}}', now()
        FROM generate_series(1, {customers}, {step}) g""")
    changed = cursor.rowcount
    cursor.execute("""
        INSERT INTO sales_orderline (order_id, customer_id, product_id, quantity, unit_price,
            discount_amount, custom_fields, updated_at)
        SELECT o.id, o.customer_id, 1 + o.id % 500, 1, o.amount, 0, '{}', now()
        FROM sales_order o WHERE o.external_id LIKE 'N%'""")
    cursor.execute(f"""
        INSERT INTO servicedesk_ticket (external_id, customer_id, kind, priority, opened_at,
            status, custom_fields, updated_at)
        SELECT 'NT' || g, g, 'complaint', 'normal', TIMESTAMPTZ '{day} 06:00+00', 'open', '{{}}',
            now()
        FROM generate_series(1, {customers}, {step * 10}) g""")
    return changed


def child(customers: int, per_customer: int, share: float, reuse: bool) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    sys.path.insert(0, str(ROOT / "bench"))
    from daur.insights import services
    from daur.insights.incremental import scores_compute_incremental
    from daur.insights.models import ScoringStateColumn
    from daur.insights.services import scores_compute

    # What storing the state adds to a full run: its computation and its write, timed apart.
    state_seconds = [0.0]

    def timing(real):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                state_seconds[0] += time.perf_counter() - started

        return timed

    for name in ("state_of", "state_store"):
        setattr(services, name, timing(getattr(services, name)))
    from score import build_postgres

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM customers_customer")
        if not (reuse and cursor.fetchone()[0] == customers):
            build_postgres(cursor, customers, per_customer)
        # an earlier run's day of changes, on a base kept with --reuse
        cursor.execute(
            "DELETE FROM sales_orderline WHERE order_id IN "
            "(SELECT id FROM sales_order WHERE external_id LIKE 'N%')"
        )
        cursor.execute("DELETE FROM sales_order WHERE external_id LIKE 'N%'")
        cursor.execute("DELETE FROM servicedesk_ticket WHERE external_id LIKE 'NT%'")
    built = time.perf_counter() - started

    started = time.perf_counter()
    first = scores_compute()
    first_seconds = time.perf_counter() - started
    first_state_seconds = state_seconds[0]
    state_bytes = sum(
        len(bytes(d)) for d in ScoringStateColumn.objects.values_list("data", flat=True)
    )
    day = first.as_of + timedelta(days=1)
    with connection.cursor() as cursor:
        changed = day_of_changes(cursor, customers, share, day.isoformat())
        cursor.execute("ANALYZE")

    started = time.perf_counter()
    incremental = scores_compute_incremental(as_of=day)
    incremental_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_incremental_scores")
        cursor.execute(
            "CREATE TABLE bench_incremental_scores AS SELECT * FROM insights_customerscore"
        )
    started = time.perf_counter()
    full = scores_compute(as_of=day)
    full_seconds = time.perf_counter() - started
    differing = [f"a.{c} IS DISTINCT FROM b.{c}" for c in COMPARED_TEXT] + [
        f"abs(coalesce(a.{c}, 0) - coalesce(b.{c}, 0)) > 1e-9 * greatest(1, abs(b.{c})) "
        f"OR (a.{c} IS NULL) <> (b.{c} IS NULL)"
        for c in COMPARED_NUMBERS
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM bench_incremental_scores a FULL JOIN insights_customerscore b "
            "ON a.customer_id = b.customer_id WHERE a.customer_id IS NULL OR b.customer_id IS NULL "
            "OR " + " OR ".join(f"({d})" for d in differing)
        )
        mismatches = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_incremental_scores")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{customers:,} customers, {customers * per_customer:,} orders (built in {built:.0f} s)")
    print(f"  first full run    {first_seconds:7.1f} s  (of which the state, "
          f"{state_bytes / 1e6:,.0f} MB: {first_state_seconds:.1f} s)")
    print(f"  a day of changes: {changed:,} customers with a new order "
          f"({changed / customers:.1%}), a complaint for a tenth of them")
    print(f"  incremental run   {incremental_seconds:7.1f} s  "
          f"({incremental.customers_reread:,} customers read again; "
          f"incremental: {incremental.incremental}; {incremental.message})")
    print(f"  full run (peer)   {full_seconds:7.1f} s  (of which the state: "
          f"{state_seconds[0] - first_state_seconds:.1f} s)")
    print(f"  incremental / full: {incremental_seconds / full_seconds:.2f}x the time "
          f"({full_seconds / incremental_seconds:.2f}x faster)")
    print(f"  scores differing between the two runs: {mismatches:,}")
    print("  fits (full run): " + "; ".join(
        f"{k} {v['seconds']:.1f} s" for k, v in full.fits.items()
        if isinstance(v, dict) and "seconds" in v
    ))
    print(f"  peak memory {peak:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--orders-per-customer", type=int, default=10)
    parser.add_argument("--changed-share", type=float, default=0.01)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the base of an earlier run of the same size")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.customers, args.orders_per_customer, args.changed_share, args.reuse)
        return
    import psycopg

    with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
        ).fetchone()
        if not (args.reuse and exists):
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
            conn.execute(f"CREATE DATABASE {DATABASE}")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DAUR_HOME": home, "DJANGO_SETTINGS_MODULE": "daur.config.settings",
               "PYTHONPATH": str(ROOT / "src"), "DAUR_DATABASE_URL": PG_URL}
        subprocess.run(
            [sys.executable, __file__, "--child", "--customers", str(args.customers),
             "--orders-per-customer", str(args.orders_per_customer),
             "--changed-share", str(args.changed_share)] + (["--reuse"] if args.reuse else []),
            env=env, check=True,
        )


if __name__ == "__main__":
    main()
