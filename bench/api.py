"""API throughput: GET a customer with its score, and bulk ingestion of orders, through
`daur serve --workers N` (gunicorn) with 8 concurrent clients on loopback.

Builds (once) the database of bench/web.py (generated customers with scores and orders, by
INSERT ... SELECT generate_series) under its own name, makes an API token for its manager, and
times:
- GET /api/v1/customers/{id} (the customer, its consumers and its score), random customers,
  each client on one kept-alive connection: requests/s, p50, p99;
- POST /api/v1/orders/bulk, batches of --batch new orders (without lines) from every client:
  orders/s.
Rate limits are raised out of the way for the run (DAUR_API_RATE_*).

    PYTHONPATH=src python bench/api.py [--customers 1000000] [--requests 4000] [--clients 8]
        [--workers 4] [--batch 10000] [--batches 16] [--db daur_bench_api] [--drop] [--skip-drf]
    PYTHONPATH=src python bench/api.py --db daur_bench_api --in-process 3000   # the read's CPU

The peer: a minimal Django REST framework view of the same read (bench/peers/drf_peer.py), in
its own virtualenv (bench/.venv-drf, made on first use), served by gunicorn with as many workers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

import loadgen
import web

DB_NAME = os.environ.get("DAUR_BENCH_API_DB", "daur_bench_api")
DRF = ["django>=5.2,<5.3", "djangorestframework>=3.15", "psycopg[binary]>=3.2", "gunicorn>=23"]


def drf_python() -> str | None:
    """The peer's virtualenv (bench/.venv-drf, made on first use)."""
    venv = web.ROOT / "bench" / ".venv-drf"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        if subprocess.run([str(python), "-m", "pip", "install", "-q", *DRF]).returncode:
            return None
    return str(python)


def drf_server(workers: int, db: str) -> subprocess.Popen | None:
    python = drf_python()
    if python is None:
        return None
    env = {"PATH": os.environ.get("PATH", ""), "DRF_DATABASE_URL": web.db_url(db)}
    server = subprocess.Popen(
        # As `daur serve` runs gunicorn (daur.config.server): sync workers, the app preloaded.
        [python, "-m", "gunicorn", "drf_peer:application", "-w", str(workers),
         "--worker-class", "sync", "--preload", "--timeout", "120",
         "-b", f"127.0.0.1:{web.PORT}", "--chdir", str(web.ROOT / "bench" / "peers")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", web.PORT, timeout=1).connect()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    return None


def token(db: str) -> str:
    env = {**os.environ, "DAUR_DATABASE_URL": web.db_url(db), "PYTHONPATH": str(web.ROOT / "src")}
    out = subprocess.run([sys.executable, "-m", "daur.cli", "token", "create", "bench",
                          "--name", "bench"], check=True, env=env, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


class Connection(threading.local):
    def get(self) -> http.client.HTTPConnection:
        if not hasattr(self, "conn"):
            self.conn = http.client.HTTPConnection("127.0.0.1", web.PORT, timeout=120)
        return self.conn


def call(local: Connection, method: str, path: str, secret: str, body: bytes | None = None,
         headers: dict | None = None) -> tuple[int, bytes, float]:
    headers = {"Authorization": f"Bearer {secret}", **(headers or {})}
    if body is not None:
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    conn = local.get()
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
    except (http.client.HTTPException, OSError):
        conn.close()
        local.conn = http.client.HTTPConnection("127.0.0.1", web.PORT, timeout=120)
        local.conn.request(method, path, body=body, headers=headers)
        response = local.conn.getresponse()
    data = response.read()
    return response.status, data, (time.perf_counter() - started) * 1000


def reads(args, secret: str, external_ids: list[str], who: str = "daur") -> dict:  # noqa: ANN001
    """GET random customers from `args.clients` concurrent connections: wrk through
    bench/loadgen.py for `args.seconds`, else (no wrk, or --python-clients) Python threads in this
    process for `args.requests` requests."""
    rng = random.Random(7)
    paths = [f"/api/v1/customers/{rng.choice(external_ids)}" for _ in range(args.requests)]
    if loadgen.available() and not args.python_clients:
        headers = {"Authorization": f"Bearer {secret}"}
        base = f"http://127.0.0.1:{web.PORT}"
        loadgen.run(base, paths, connections=args.clients, seconds=2, headers=headers)  # warm
        result = loadgen.run(base, paths, connections=args.clients, seconds=args.seconds,
                             headers=headers)
        wrong = {status: n for status, n in result.statuses.items() if status != 200}
        assert not wrong and not result.errors, (who, wrong, result.errors)
        return {"who": who, "requests": result.requests, "p50": result.p50_ms,
                "p99": result.p99_ms, "per_second": result.requests_per_second}
    local = Connection()
    warm = paths[: 4 * args.clients]

    def one(path: str) -> float:
        status, data, ms = call(local, "GET", path, secret)
        assert status == 200, (status, data[:200])
        return ms

    with ThreadPoolExecutor(args.clients) as pool:
        list(pool.map(one, warm))
        started = time.perf_counter()
        ms = sorted(pool.map(one, paths))
        seconds = time.perf_counter() - started
    return {"who": who, "requests": len(ms), "p50": statistics.median(ms),
            "p99": ms[min(len(ms) - 1, int(0.99 * len(ms)))], "per_second": len(ms) / seconds}


def read_row(figures: dict) -> str:
    return (f"| {figures['who']}: GET a customer with its score | {figures['requests']:,} |"
            f" {figures['p50']:.1f} | {figures['p99']:.1f} |"
            f" {figures['per_second']:,.0f} requests/s |")


def bulk(args, secret: str, external_ids: list[str]) -> str:  # noqa: ANN001
    local = Connection()
    rng = random.Random(11)
    run = int(time.time())

    def batch(b: int) -> float:
        records = [
            {"order_id": f"API{run}-{b}-{i}", "customer_id": rng.choice(external_ids),
             "ordered_at": "2025-06-01T10:00:00Z", "amount": 150000, "currency": "IDR"}
            for i in range(args.batch)
        ]
        body = json.dumps({"records": records}).encode()
        status, data, ms = call(local, "POST", "/api/v1/orders/bulk", secret, body,
                                {"Idempotency-Key": f"bench-{run}-{b}"})
        assert status == 200, (status, data[:300])
        return ms

    with ThreadPoolExecutor(args.clients) as pool:
        started = time.perf_counter()
        ms = sorted(pool.map(batch, range(args.batches)))
        seconds = time.perf_counter() - started
    orders = args.batch * args.batches
    return (f"| daur: POST /orders/bulk, {args.batch:,} orders a request | {args.batches} |"
            f" {statistics.median(ms):.0f} | {ms[-1]:.0f} | {orders / seconds:,.0f} orders/s |")


def base(args) -> None:  # noqa: ANN001
    """bench/web.py's base, built once; an existing one is only migrated (the API reads none of
    the figures bench/web.py stores for the pages)."""
    with psycopg.connect(web.ADMIN_URL, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               [args.db]).fetchone()
    if exists and not args.rebuild:
        env = {**os.environ, "DAUR_DATABASE_URL": web.db_url(args.db),
               "PYTHONPATH": str(web.ROOT / "src")}
        subprocess.run([sys.executable, "-m", "daur.cli", "init"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        return
    web.build(args.customers, 0, args.rebuild, args.db)


def in_process(args, secret: str, external_ids: list[str]) -> None:  # noqa: ANN001
    """The read's cost without a server or load generator: `args.in_process` reads of random
    customers through Django's WSGI handler in this process, the CPU of this process and of its
    PostgreSQL backend (from /proc) a read, and the wall time's median over 8 rounds."""
    os.environ.update(DAUR_DATABASE_URL=web.db_url(args.db), DAUR_AXES_ENABLED="false",
                      DJANGO_SETTINGS_MODULE="daur.config.settings")
    import io

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection

    request_started.disconnect(close_old_connections)  # one connection, as a worker keeps it
    request_finished.disconnect(close_old_connections)
    app, rng = WSGIHandler(), random.Random(7)
    paths = [f"/api/v1/customers/{rng.choice(external_ids)}" for _ in range(args.in_process)]

    def read(path: str) -> None:
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
                   "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(),
                   "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
                   "HTTP_AUTHORIZATION": f"Bearer {secret}"}
        statuses = []
        b"".join(app(environ, lambda status, headers, exc=None: statuses.append(status)))
        assert statuses[0].startswith("200"), statuses

    def backend_cpu() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    for path in paths[:50]:
        read(path)
    backend, cpu, walls = backend_cpu(), time.process_time(), []
    for part in range(8):
        started = time.perf_counter()
        for path in paths[part::8]:
            read(path)
        walls.append((time.perf_counter() - started) / len(paths[part::8]) * 1000)
    n = len(paths)
    print(f"{n:,} reads in process: PostgreSQL backend CPU {(backend_cpu() - backend) / n * 1000:.2f}"
          f" ms, Django CPU {(time.process_time() - cpu) / n * 1000:.2f} ms, wall (median of 8"
          f" rounds) {statistics.median(walls):.2f} ms a read; load {_uptime()}")


def _uptime() -> str:
    """The load averages (1, 5, 15 minutes) as `uptime` shows them."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=4000,
                        help="the reads' distinct paths (wrk), or reads (Python clients)")
    parser.add_argument("--seconds", type=float, default=20, help="wrk's run for each server")
    parser.add_argument("--python-clients", action="store_true",
                        help="Python threads in this process instead of wrk")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--batches", type=int, default=16)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-drf", action="store_true", help="leave out the DRF peer")
    parser.add_argument("--peer-only", action="store_true",
                        help="time the DRF peer alone on the database as it is")
    parser.add_argument("--in-process", type=int, default=0, metavar="N",
                        help="only time N reads in this process (CPU of Django and PostgreSQL)")
    parser.add_argument("--db", default=DB_NAME)
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    if not args.peer_only:
        base(args)
    with psycopg.connect(web.db_url(args.db)) as conn:
        external_ids = [row[0] for row in conn.execute(
            "SELECT external_id FROM customers_customer TABLESAMPLE SYSTEM (2) LIMIT 20000")]
    secret = token(args.db)
    os.environ.update(DAUR_API_RATE_REQUESTS="100000000", DAUR_API_RATE_RECORDS="1000000000",
                      DAUR_API_MAX_BODY_MB="64")
    if args.in_process:
        in_process(args, secret, external_ids)
        return
    load = [_uptime()]
    rows, figures = [], []
    if not args.peer_only:
        server = web.start_server(0, args.workers, args.db)
        try:
            figures.append(reads(args, secret, external_ids))
            rows.append(bulk(args, secret, external_ids))
        finally:
            server.terminate()
            server.wait()
    peer = drf_server(args.workers, args.db) if not args.skip_drf else None
    if peer is not None:
        try:
            figures.append(reads(args, secret, external_ids, "Django REST framework"))
        finally:
            peer.terminate()
            peer.wait()
    load.append(_uptime())
    clients = ("wrk (bench/loadgen.py)" if loadgen.available() and not args.python_clients
               else "Python threads in the benchmark's process")
    print(f"{args.customers:,} customers, {args.clients} concurrent connections ({clients}), "
          f"`daur serve --workers {args.workers}` (gunicorn); load: {load[0]} / {load[1]}")
    print("| what | requests | p50 ms | p99 ms (bulk: slowest) | throughput |\n|---|---|---|---|---|")
    print("\n".join([*map(read_row, figures), *rows]))
    if len(figures) == 2 and figures[1]["per_second"]:
        print(f"Daur / DRF, reads per second: {figures[0]['per_second'] / figures[1]['per_second']:.2f}")
    if args.drop:
        with psycopg.connect(web.ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{args.db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
