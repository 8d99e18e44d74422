"""Import throughput: orders and order lines per second on SQLite and PostgreSQL, with peak memory.

    python bench/import.py [--orders 1000000] [--postgres postgresql://postgres@127.0.0.1:5432/daur_bench]

Generates a business of N orders (about 1.8 lines each) under bench/.data, then, per database,
imports customers and products (set-up) and times `import_file` for orders and for order_lines,
each in a fresh process whose peak RSS is read at its end. A tenth of the file is imported too,
to show that memory stays flat as files grow. The peer, measured in the same run on a sample, is
the way a plain Django app imports: `full_clean()` per row and `bulk_create` in batches.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / ".data"


def generate(orders: int, directory: Path) -> dict[str, Path]:
    """Customers, products, orders and lines as interchange CSV (vectorised; a few seconds)."""
    rng = np.random.default_rng(1)
    directory.mkdir(parents=True, exist_ok=True)
    customers = max(orders // 10, 10)
    paths = {
        k: directory / f"{k}-{orders}.csv"
        for k in ("customers", "products", "orders", "order_lines")
    }
    if all(p.exists() for p in paths.values()):
        return paths
    with paths["customers"].open("w") as out:
        out.write("customer_id,name,country,city\n")
        out.writelines(f"C{i},Customer {i},ID,Jakarta\n" for i in range(customers))
    with paths["products"].open("w") as out:
        out.write("sku,name,category,tier,price,unit_cost\n")
        out.writelines(
            f"S{i},Product {i},cat{i % 12},standard,{1000 + i}.00,{500 + i}.00\n"
            for i in range(500)
        )
    who = rng.integers(0, customers, orders)
    seconds = rng.integers(0, 3 * 365 * 86400, orders) + 1_640_995_200
    stamps = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    n_lines = rng.integers(1, 3, orders) + (rng.random(orders) < 0.3)
    with paths["orders"].open("w") as out, paths["order_lines"].open("w") as lines:
        out.write(
            "order_id,customer_id,ordered_at,amount,currency,discount_amount,coupon_code,channel,reseller_id\n"
        )
        lines.write("order_id,sku,quantity,unit_price,discount_amount\n")
        for start in range(0, orders, 100_000):
            stop = min(start + 100_000, orders)
            rows, line_rows = [], []
            for i in range(start, stop):
                k = int(n_lines[i])
                skus = rng.choice(500, k, replace=False)
                total = 0
                for sku in skus:
                    line_rows.append(f"O{i},S{sku},1,{1000 + sku}.00,0\n")
                    total += 1000 + int(sku)
                rows.append(f"O{i},C{who[i]},{stamps[i]}+07:00,{total}.00,IDR,0,,web,\n")
            out.writelines(rows)
            lines.writelines(line_rows)
    return paths


def child(kind: str, path: str, peer: bool) -> None:
    """Runs in a fresh process: import one file, print rows, seconds and peak memory as JSON."""
    import django

    django.setup()
    started = time.perf_counter()
    if peer:
        rows = peer_import(kind, Path(path))
    else:
        from daur.actions.interchange import file_import

        rows = file_import(kind=kind, path=path).rows
    seconds = time.perf_counter() - started
    # Large files are parsed in a forked child (daur.interchange.pipeline): count its peak too.
    peak_mb = max(
        resource.getrusage(who).ru_maxrss / 1024
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak_mb}))


def peer_import(kind: str, path: Path) -> int:
    """The plain-Django way: parse, full_clean() each object, bulk_create in batches of 1,000."""
    import csv
    from datetime import datetime
    from decimal import Decimal

    from django.db import transaction

    from daur.customers.models import Customer
    from daur.sales.models import Order

    customers = dict(Customer.objects.values_list("external_id", "pk"))
    batch, rows = [], 0
    with path.open(newline="", encoding="utf-8") as handle, transaction.atomic():
        for row in csv.DictReader(handle):
            order = Order(
                external_id=row["order_id"],
                customer_id=customers[row["customer_id"]],
                ordered_at=datetime.fromisoformat(row["ordered_at"]),
                amount=Decimal(row["amount"]),
                currency=row["currency"],
                discount_amount=Decimal(row["discount_amount"] or 0),
                coupon_code=row["coupon_code"],
                channel=row["channel"],
            )
            order.full_clean(exclude=["customer", "reseller"])
            batch.append(order)
            rows += 1
            if len(batch) == 1000:
                Order.objects.bulk_create(batch)
                batch = []
        Order.objects.bulk_create(batch)
    return rows


def run(env: dict[str, str], *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def daur(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "daur.cli", *args], env=env, check=True, capture_output=True
    )


def fresh_database(label: str, postgres: str | None, home: Path) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "daur.config.settings", "DAUR_HOME": str(home)}
    env["PYTHONPATH"] = str(ROOT / "src")
    if label == "postgresql":
        import psycopg

        admin_url, name = postgres.rsplit("/", 1)
        with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DAUR_DATABASE_URL"] = postgres
    else:
        env.pop("DAUR_DATABASE_URL", None)
    daur(env, "init")
    return env


def bench(label: str, paths: dict[str, Path], small: dict[str, Path], postgres: str | None) -> None:
    with tempfile.TemporaryDirectory() as home:
        env = fresh_database(label, postgres, Path(home))
        daur(env, "import", "customers", str(paths["customers"]))
        daur(env, "import", "products", str(paths["products"]))
        orders = run(env, "orders", str(paths["orders"]))
        lines = run(env, "order_lines", str(paths["order_lines"]))
        again = run(env, "orders", str(paths["orders"]))
    with tempfile.TemporaryDirectory() as home:
        env = fresh_database(label, postgres, Path(home))
        daur(env, "import", "customers", str(small["customers"]))
        daur(env, "import", "products", str(small["products"]))
        tenth = run(env, "orders", str(small["orders"]))
    with tempfile.TemporaryDirectory() as home:
        env = fresh_database(label, postgres, Path(home))
        daur(env, "import", "customers", str(small["customers"]))
        peer = run(env, "orders", str(small["orders"]), "peer")
    rows = orders["rows"] + lines["rows"]
    seconds = orders["seconds"] + lines["seconds"]
    print(f"\n{label}")
    print(
        f"  orders       {orders['rows']:>10,} rows {orders['seconds']:7.1f} s {orders['rows'] / orders['seconds']:>10,.0f} rows/s  peak {orders['peak_mb']:.0f} MB"
    )
    print(
        f"  order_lines  {lines['rows']:>10,} rows {lines['seconds']:7.1f} s {lines['rows'] / lines['seconds']:>10,.0f} rows/s  peak {lines['peak_mb']:.0f} MB"
    )
    print(f"  together     {rows:>10,} rows {seconds:7.1f} s {rows / seconds:>10,.0f} rows/s")
    print(
        f"  re-import    {again['rows']:>10,} rows {again['seconds']:7.1f} s {again['rows'] / again['seconds']:>10,.0f} rows/s (all unchanged)"
    )
    print(
        f"  memory: peak {tenth['peak_mb']:.0f} MB for {tenth['rows']:,} orders, {orders['peak_mb']:.0f} MB for {orders['rows']:,}"
    )
    peer_rate = peer["rows"] / peer["seconds"]
    tenth_rate = tenth["rows"] / tenth["seconds"]
    print(
        f"  peer (Django full_clean + bulk_create) on {peer['rows']:,} orders: {peer_rate:,.0f} rows/s; Daur {tenth_rate:,.0f} rows/s: {tenth_rate / peer_rate:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/daur_bench")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], peer=len(args.child) > 2)
        return
    paths = generate(args.orders, DATA)
    small = generate(args.orders // 10, DATA)
    print(f"Import benchmark: {args.orders:,} orders; {os.cpu_count()} cores")
    for label in ("sqlite", "postgresql"):
        if args.only in (None, label):
            bench(label, paths, small, args.postgres if label == "postgresql" else None)


if __name__ == "__main__":
    main()
