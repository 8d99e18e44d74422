"""Launching a campaign to a large segment, and its uplift read-out, on PostgreSQL.

    PYTHONPATH=src python bench/campaign.py [--customers 1000000] [--orders-per-customer 2]
        [--reuse]  (keep the database of an earlier run of the same size)
        [--report-only]  (with --reuse: time the read-out of the campaign launched before)

Builds a base with SQL alone in a fresh database (customers, each with a stored score and orders
before the launch), saves the segment of every customer in retention (all of them) and a coupon
campaign with a 10 % hold-out, then times:
- `campaign_launch`: the segment's members read with their score and pre-launch spend, the arms
  drawn, a coupon issued to every treated member, the members written by COPY, the commit (with
  its foreign-key checks) included;
- `campaign_report` (median of three) after orders in the attribution window for a tenth of the
  members: per arm members, conversions, spend and redemptions, the uplift raw and CUPED, the CLV
  uplift and the balance table.
Targets (issue 14): launch <= 60 s, report <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB = "daur_bench_campaign"
PG_URL = f"postgresql://postgres@127.0.0.1:5432/{DB}"
LAUNCH = "2025-07-01 09:00:00+00"


def build(cursor, customers: int, per_customer: int) -> None:
    cursor.execute(f"""
        INSERT INTO customers_customer (external_id, name, kind, relationship, email, phone,
            email_consent, country, city, industry, acquired_via, created_at, custom_fields, updated_at)
        SELECT 'C' || g, 'Customer ' || g, 'person', 'external', 'c' || g || '@example.com', '',
            true, (ARRAY['ID','IT'])[1 + g % 2], 'Jakarta', '', 'website',
            TIMESTAMPTZ '2023-01-01' + (g % 700) * INTERVAL '1 day', '{{}}', now()
        FROM generate_series(1, {customers}) g""")
    cursor.execute("""
        INSERT INTO insights_customerscore (customer_id, as_of, lifecycle_stage, types, type_bits,
            orientation, loyalty_score, rfm_r, rfm_f, rfm_m, rfm_segment, p_alive,
            expected_orders_90d, expected_order_value, clv_12m, strategy, strategy_reasons,
            scored_at, realtime)
        SELECT id, DATE '2025-06-30', 'retention', '', 0, '', 0, 3, 3, 3, '', 0.8,
            (id % 17) / 8.0, 250000, 100000 + (id % 1000) * 1000, 'enhance', '', now(), false
        FROM customers_customer""")
    cursor.execute(f"""
        INSERT INTO sales_order (external_id, customer_id, ordered_at, amount, currency,
            discount_amount, coupon_code, channel, custom_fields, updated_at)
        SELECT 'O' || g, 1 + g % {customers},
            TIMESTAMPTZ '2024-01-01' + (abs(hashtext(g::text)) % 540) * INTERVAL '1 day',
            20000 + abs(hashtext('a' || g)) % 500000, 'IDR', 0, '', 'web', '{{}}', now()
        FROM generate_series(1, {customers * per_customer}) g""")
    cursor.execute("ANALYZE")


def window_orders(cursor, campaign_id: int) -> None:
    """Orders in the window for a tenth of the members (the treated a little more often), some
    with the member's coupon."""
    cursor.execute("""
        INSERT INTO sales_order (external_id, customer_id, ordered_at, amount, currency,
            discount_amount, coupon_code, channel, custom_fields, updated_at)
        SELECT 'W' || m.id, m.customer_id,
            TIMESTAMPTZ '2025-07-01 09:00:00+00' + (m.id %% 29) * INTERVAL '1 day',
            30000 + m.id %% 400000, 'IDR', 0, COALESCE(m.coupon_code, ''), 'web', '{}', now()
        FROM campaigns_campaignmember m
        WHERE m.campaign_id = %s
          AND abs(hashtext('w' || m.id)) %% 100 < CASE m."group" WHEN 'treated' THEN 11 ELSE 9 END""",
        [campaign_id])
    cursor.execute("""
        UPDATE campaigns_campaignmember m SET redeemed_order_id = o.id, redeemed_at = o.ordered_at
        FROM sales_order o WHERE o.external_id = 'W' || m.id AND m.campaign_id = %s
          AND o.coupon_code <> ''""", [campaign_id])
    cursor.execute("ANALYZE")


def time_report(campaign) -> tuple[float, list[float], dict]:  # noqa: ANN001 - a Campaign
    from daur.insights.campaign_report import campaign_report

    times, report = [], None
    for _ in range(3):
        started = time.perf_counter()
        report = campaign_report(campaign)
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, report.to_json()


def print_report(seconds: float, times: list[float], data: dict) -> None:
    print(f"  campaign_report: {seconds:.2f} s (median of 3: "
          f"{', '.join(f'{t:.2f}' for t in times)}) -> target <= 2 s:"
          f" {'met' if seconds <= 2 else 'NOT met'}; load average {os.getloadavg()[0]:.1f}")
    conversion = data["uplift"]["conversion"]
    print(f"  uplift in conversion {conversion['estimate']:+.4f}"
          f" [{conversion['ci_low']:+.4f}, {conversion['ci_high']:+.4f}],"
          f" redemptions {data['groups']['treated']['redemptions']:,}")


def bench(customers: int, per_customer: int, reuse: bool, report_only: bool = False) -> None:
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    from datetime import datetime

    from daur.actions.campaigns import campaign_create, campaign_launch
    from daur.actions.segments import segment_create
    from daur.campaigns.models import Campaign, Segment

    if report_only:
        print(f"PostgreSQL: {customers:,} customers, the campaign launched by an earlier run")
        print_report(*time_report(Campaign.objects.get(status="launched")))
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM customers_customer")
        if not (reuse and cursor.fetchone()[0] == customers):
            build(cursor, customers, per_customer)
        # An earlier run's campaign, members and window orders go (raw: a million rows).
        cursor.execute("TRUNCATE campaigns_campaignmember")
        cursor.execute("DELETE FROM sales_order WHERE external_id LIKE 'W%%'")
    Campaign.objects.all().delete()
    Segment.objects.all().delete()
    built = time.perf_counter() - started
    segment = segment_create(name="Retained", query="stage=retention")
    campaign = campaign_create(
        name="Come back", segment=segment, offer="coupon", holdout=0.1, discount_percent=10,
        cost=50_000_000,
    )
    at = datetime.fromisoformat(LAUNCH.replace("+00", "+00:00"))
    started = time.perf_counter()
    launched = campaign_launch(campaign, seed="bench", at=at)
    launch_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        window_orders(cursor, campaign.pk)
    seconds, times, data = time_report(campaign)
    print(f"PostgreSQL: {customers:,} customers, {customers * per_customer:,} orders before the"
          f" launch (built in {built:.0f} s)")
    print(f"  campaign_launch: {launch_seconds:.1f} s for {launched.members:,} members"
          f" ({launched.treated:,} treated, {launched.holdout:,} hold-out, {launched.coupons:,}"
          f" coupons) -> target <= 60 s: {'met' if launch_seconds <= 60 else 'NOT met'}")
    print_report(seconds, times, data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders-per-customer", type=int, default=2)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.report_only and not args.reuse:
        parser.error("--report-only needs --reuse (a database with a launched campaign)")
    if args.child:
        bench(args.customers, args.orders_per_customer, args.reuse, args.report_only)
        return
    import subprocess

    import psycopg

    with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone()
        if not (args.reuse and exists):
            conn.execute(f"DROP DATABASE IF EXISTS {DB}")
            conn.execute(f"CREATE DATABASE {DB}")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DAUR_HOME": home, "DJANGO_SETTINGS_MODULE": "daur.config.settings",
               "PYTHONPATH": str(ROOT / "src"), "DAUR_DATABASE_URL": PG_URL}
        subprocess.run(
            [sys.executable, __file__, "--child", "--customers", str(args.customers),
             "--orders-per-customer", str(args.orders_per_customer)]
            + (["--reuse"] if args.reuse else [])
            + (["--report-only"] if args.report_only else []),
            env=env, check=True,
        )


if __name__ == "__main__":
    main()
