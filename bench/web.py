"""Web latency: p50/p95 of the dashboard, the customer list, the 360 page, the lead pipeline
(kanban and list), /today/, the buyer personas and the saved segments (the list and each
segment's page) on 1,000,000 customers and 100,000 open leads.

Builds (once) a PostgreSQL database (`daur_bench_web`, or --db / DAUR_BENCH_WEB_DB) with
generated customers, scores and orders (INSERT ... SELECT generate_series), and leads with their
activities, stage changes and scores (bench/web_leads.py), migrates it and stores the
dashboard's figures, the personas and five saved segments' figures as the end of `daur score`
would, starts `daur serve --workers N` (gunicorn)
on 127.0.0.1, logs in once as a manager and once as a sales rep, and times each page with 8
connections kept busy by wrk (bench/loadgen.py: a C load generator, `apt-get install wrk`) for
--seconds, each page after a short warm-up run. Without wrk (or with --client python) the
clients are 8 Python threads in this process (urllib, each logged in with its own cookie jar),
--requests a page: they take part of a core from the server they measure, which on a small
machine inflates every figure.

    PYTHONPATH=src python bench/web.py [--customers 1000000] [--leads 100000] [--rebuild]
        [--seconds 15] [--client wrk|python] [--requests 200 (the Python client's)]
        [--workers 4]   (0: Django's threaded development server, one process)
        [--cache-url redis://127.0.0.1:6379/9]   (the deployment with Redis: a shared cache,
                                                   sessions read from it)
        [--db daur_bench_web] [--drop]   (--drop: drop the database at the end)
        [--only leads]   (the lead pages and /today/ alone: no dashboard, no customer pages;
                          `--only personas,segment`: the persona and segment pages)
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

import loadgen
from web_leads import lead_pages, leads_build

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DB_NAME = os.environ.get("DAUR_BENCH_WEB_DB", "daur_bench_web")


def db_url(name: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = free_port()

GENERATE = """
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
    is_staff, is_active, date_joined, role, is_demo)
SELECT '', false, 'rep' || g, 'Rep', g::text, '', false, true, now(), 'sales_rep', false
FROM generate_series(1, 20) g;
INSERT INTO campaigns_campaign (custom_fields, updated_at, external_id, name, channel, purpose,
    cost, started_on, ended_on)
SELECT '{}', now(), 'K' || g, 'Campaign ' || g,
    (ARRAY['advertising','email','website','referral','sampling'])[1 + g % 5], 'acquisition',
    50000000 + g * 1000000, date '2024-01-01', date '2025-06-30'
FROM generate_series(1, 20) g;
INSERT INTO customers_customer (custom_fields, updated_at, external_id, name, kind, relationship,
    email, phone, country, city, industry, acquired_via, campaign_id, referred_by_id, owner_id,
    created_at)
SELECT '{}', now(), 'C' || lpad(g::text, 7, '0'),
    (ARRAY['Andi','Budi','Citra','Dewi','Eko','Fitri','Gita','Hadi','Indra','Joko'])[1 + g % 10]
      || ' ' || (ARRAY['Santoso','Wijaya','Putri','Saputra','Lestari','Hidayat','Rossi',
      'Bianchi'])[1 + (g / 10) % 8] || ' ' || g,
    'person', CASE WHEN g % 50 = 0 THEN 'intermediary' ELSE 'external' END,
    'c' || g || '@example.com', '+62811' || lpad(g::text, 7, '0'),
    CASE WHEN g % 10 = 0 THEN 'IT' ELSE 'ID' END,
    (ARRAY['Jakarta','Bandung','Surabaya','Medan','Milano','Roma'])[1 + g % 6], '',
    (ARRAY['advertising','email','website','referral','sampling'])[1 + g % 5],
    CASE WHEN g % 3 = 0 THEN (SELECT min(id) FROM campaigns_campaign) + g % 20 END, NULL,
    (SELECT min(id) FROM accounts_user WHERE role = 'sales_rep') + g % 20,
    timestamptz '2025-06-30' - (g % 1500) * interval '1 day'
FROM generate_series(1, %(n)s) g;
INSERT INTO insights_customerscore (customer_id, as_of, lifecycle_stage, types, type_bits,
    orientation, loyalty_score, rfm_r, rfm_f, rfm_m, rfm_segment, p_alive, expected_orders_90d,
    expected_order_value, clv_12m, strategy, strategy_reasons, scored_at, realtime)
SELECT c.id, date '2025-06-30',
    (ARRAY['reaching','acquisition','conversion','retention','inspiration','lapsed','lost'])
      [1 + r.h1 % 7],
    CASE WHEN r.h2 % 4 = 0 THEN 'loyal' WHEN r.h2 % 4 = 1 THEN 'discount' ELSE '' END,
    CASE WHEN r.h2 % 4 = 0 THEN 1 WHEN r.h2 % 4 = 1 THEN 2 ELSE 0 END,
    '', r.h3 % 5, 1 + r.h4 % 5, 1 + (r.h4 / 5) % 5, 1 + (r.h4 / 25) % 5, 'Need Attention',
    (r.h5 % 1000) / 1000.0, (r.h6 % 30) / 10.0, 250000, exp(8 + (r.h7 % 997) / 100.0),
    (ARRAY['regain','end','protect','start','enhance','re_engineer','harvest'])[1 + r.h8 % 7],
    'Generated for the benchmark', now(), false
FROM customers_customer c,
    -- A score's values are drawn independently of each other and of the customer's columns
    -- (hashes of the id, not the id modulo small numbers, which tied them all together).
    LATERAL (SELECT hashint8(c.id) & 2147483647 AS h1,
        hashint8(c.id + 1000003) & 2147483647 AS h2, hashint8(c.id + 2000003) & 2147483647 AS h3,
        hashint8(c.id + 3000017) & 2147483647 AS h4, hashint8(c.id + 4000037) & 2147483647 AS h5,
        hashint8(c.id + 5000011) & 2147483647 AS h6, hashint8(c.id + 6000047) & 2147483647 AS h7,
        hashint8(c.id + 7000003) & 2147483647 AS h8) r;
UPDATE insights_customerscore SET rfm_segment = CASE
    WHEN rfm_r >= 4 AND rfm_f >= 4 THEN 'Champions' WHEN rfm_r <= 2 AND rfm_f <= 2 THEN
    'Hibernating' ELSE 'Need Attention' END;
INSERT INTO insights_scoringrun (started_at, finished_at, as_of, status, message, n_customers,
    n_buyers, rules_only, base_currency, fits, cuts, config, events_after_as_of, seconds, host,
    ranges_total, ranges_done, customers_reread, incremental)
VALUES (now(), now(), date '2025-06-30', 'succeeded', '', %(n)s, %(n)s, false, 'IDR', '{}', '{}',
    '{}', '{}', 1, '', 0, 0, 0, false);
INSERT INTO sales_order (custom_fields, updated_at, external_id, customer_id, ordered_at, amount,
    currency, discount_amount, coupon_code, channel, reseller_id)
SELECT '{}', now(), 'O' || g, (SELECT min(id) FROM customers_customer) + (g::bigint * 7919) %% %(n)s,
    timestamptz '2025-06-30' - (g % 700) * interval '1 day', 100000 + g % 900000,
    CASE WHEN g % 10 = 0 THEN 'EUR' ELSE 'IDR' END, 0, '', 'web', NULL
FROM generate_series(1, %(orders)s) g;
VACUUM ANALYZE;
"""


STORE_FACTS = """
import time
from daur.insights.models import ScoringRun
from daur.insights.dashboard_figures import dashboard_facts_store
run = ScoringRun.objects.filter(status="succeeded").first()
if not run.dashboard_facts.exists():
    started = time.perf_counter()
    dashboard_facts_store(run=run)
    print(f"dashboard figures stored in {time.perf_counter() - started:.1f} s")
"""


# The buyer personas of the run, as `daur score` stores them after the scores (the step timed:
# the buyers read, clustered and stored; bench/personas.py times the clustering alone).
STORE_PERSONAS = """
import time
from daur.insights.models import PersonaRun, ScoringRun
from daur.insights.personas import personas_store
run = ScoringRun.objects.filter(status="succeeded").first()
if not PersonaRun.objects.filter(run=run).exists():
    started = time.perf_counter()
    stored = personas_store(run=run)
    print(f"personas of {stored.buyers:,} buyers ({stored.k}) stored in"
          f" {time.perf_counter() - started:.1f} s")
"""


# Saved segments and their figures at the run, as `daur score` records them after the scores.
SEGMENTS = (
    ("Retained", "stage=retention"),
    ("Loyal champions", "type=loyal&segment=Champions"),
    ("Italy, high value", "country=IT&clv_min=100000"),
    ("Protect", "strategy=protect"),
    ("Everyone", ""),
)
STORE_SEGMENTS = f"""
import time
from daur.actions.segments import segment_create
from daur.campaigns.models import Segment
from daur.insights.models import ScoringRun, SegmentSnapshot
from daur.insights.segments import segment_snapshots_store
for name, query in {SEGMENTS!r}:
    if not Segment.objects.filter(name=name).exists():
        segment_create(name=name, query=query)
run = ScoringRun.objects.filter(status="succeeded").first()
if SegmentSnapshot.objects.filter(run=run).count() < Segment.objects.count():
    started = time.perf_counter()
    segment_snapshots_store(run=run)
    print(f"segments' figures stored in {{time.perf_counter() - started:.1f}} s")
"""


# The users the clients log in as: the manager and a sales rep (the generated reps have no
# password until here).
PASSWORDS = """
from daur.accounts.models import User
for name in ("bench", "rep1"):
    u = User.objects.get(username=name)
    if not u.check_password("bench"):
        u.set_password("bench")
        u.save()
"""


def build(n: int, n_leads: int, rebuild: bool, db: str) -> None:
    env = {**os.environ, "DAUR_DATABASE_URL": db_url(db), "PYTHONPATH": str(ROOT / "src")}
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone()
        if exists and not rebuild:
            # New migrations (indexes), leads if it has none yet, the passwords and the
            # figures `daur score` stores at its end.
            subprocess.run([sys.executable, "-m", "daur.cli", "init"], check=True, env=env)
            leads_timed(db, n_leads)
            subprocess.run([sys.executable, "-m", "daur.cli", "manage", "shell", "-c",
                            PASSWORDS + STORE_FACTS + STORE_PERSONAS + STORE_SEGMENTS],
                           check=True, env=env)
            return
        if exists:
            admin.execute(f'DROP DATABASE "{db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db}"')
    subprocess.run([sys.executable, "-m", "daur.cli", "init"], check=True, env=env)
    started = time.perf_counter()
    sql = GENERATE.replace("%%", "%").replace("%(n)s", str(n)).replace("%(orders)s", str(2 * n))
    with psycopg.connect(db_url(db), autocommit=True) as conn:
        for statement in sql.split(";\n"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name,"
            " email, is_staff, is_active, date_joined, role, is_demo) VALUES ('', true, 'bench',"
            " '', '', '', true, true, now(), 'manager', false)"
        )
    print(f"generated {n:,} customers, scores and {2 * n:,} orders in "
          f"{time.perf_counter() - started:.0f} s")
    leads_timed(db, n_leads)
    subprocess.run(
        [sys.executable, "-m", "daur.cli", "manage", "shell", "-c",
         PASSWORDS + STORE_FACTS + STORE_PERSONAS + STORE_SEGMENTS],
        check=True, env=env,
    )


def leads_timed(db: str, n_leads: int) -> None:
    started = time.perf_counter()
    if leads_build(db_url(db), n_leads):
        print(f"generated {n_leads:,} open leads (and {n_leads // 10:,} closed) with activities,"
              f" stage changes and scores in {time.perf_counter() - started:.0f} s")


def start_server(cache_seconds: int, workers: int, db: str, cache_url: str = "") -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DAUR_REDIS_URL", "DAUR_CACHE_URL")},
        "DAUR_CACHE_URL": cache_url,
        "DAUR_DATABASE_URL": db_url(db),
        "PYTHONPATH": str(ROOT / "src"),
        "DAUR_DASHBOARD_CACHE_SECONDS": str(cache_seconds),
        "DAUR_AXES_ENABLED": "false",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "daur.cli", "serve", "--host", "127.0.0.1", "--port", str(PORT),
         "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/login/", timeout=1)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def logged_in_opener(username: str = "bench") -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{PORT}"
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": "bench", "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(f"{base}/login/", data=data, headers={"Referer": base})
    opener.open(request).read()
    opener.cookies = jar  # the session and CSRF cookies, for wrk's requests
    return opener


def cookie_header(opener: urllib.request.OpenerDirector) -> dict[str, str]:
    """The logged-in session's cookies as a request header."""
    cookies = "; ".join(f"{c.name}={c.value}" for c in opener.cookies)
    return {"Cookie": cookies}


def timed(openers, paths, clients: int) -> list[float]:
    local = threading.local()
    pool = iter(openers)
    lock = threading.Lock()

    def one(path: str) -> float:
        if not hasattr(local, "opener"):
            with lock:
                local.opener = next(pool)
        started = time.perf_counter()
        with local.opener.open(f"http://127.0.0.1:{PORT}{path}") as response:
            response.read()
            assert response.status == 200, path
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(clients) as executor:
        return list(executor.map(one, paths))


def report(name: str, ms: list[float], per_second: float) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return (f"| {name} | {len(ms)} | {statistics.median(ms):.0f} | {p95:.0f} |"
            f" {per_second:.0f} |")


def page_paths(paths: list[str] | None, n: int, rng: random.Random,
               customer_ids: tuple[int, int]) -> list[str]:
    """`n` paths of a page (None: the 360 page of random customers)."""
    if paths is None:
        return [f"/customers/{rng.randint(*customer_ids)}/" for _ in range(n)]
    return [paths[i % len(paths)] for i in range(n)]


def time_pages(openers, pages: dict, args, customer_ids: tuple[int, int]) -> list[str]:  # noqa: ANN001
    """Each page after a warm-up (a worker's first request of a page compiles its templates),
    as a report row: wrk on the first opener's session, else the Python clients."""
    rng = random.Random(7)
    rows = []
    for name, paths in pages.items():
        if args.client == "wrk":
            headers = cookie_header(openers[0])
            base = f"http://127.0.0.1:{PORT}"
            # Other customers for the warm-up than for the timing.
            loadgen.run(base, page_paths(paths, 64, rng, customer_ids),
                        connections=args.clients, seconds=2, headers=headers)
            result = loadgen.run(base, page_paths(paths, 1000, rng, customer_ids),
                                 connections=args.clients, seconds=args.seconds, headers=headers)
            if set(result.statuses) != {200} or result.errors:
                raise SystemExit(f"{name}: answers {result.statuses}, {result.errors} errors")
            rows.append(f"| {name} | {result.requests} | {result.p50_ms:.0f} |"
                        f" {result.p95_ms:.0f} | {result.requests_per_second:.0f} |")
            continue
        n = args.requests + 4 * args.clients
        paths = page_paths(paths, n, rng, customer_ids)
        warm_up, paths = paths[: 4 * args.clients], paths[4 * args.clients :]
        timed(openers, warm_up, args.clients)
        started = time.perf_counter()
        ms = timed(openers, paths, args.clients)
        rows.append(report(name, ms, len(ms) / (time.perf_counter() - started)))
    return rows


def logins(username: str, args) -> list[urllib.request.OpenerDirector]:  # noqa: ANN001
    """One session for wrk's connections, one per client thread for the Python client."""
    return [logged_in_opener(username) for _ in range(1 if args.client == "wrk" else args.clients)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--leads", type=int, default=100_000, help="open leads")
    parser.add_argument("--requests", type=int, default=200, help="a page, Python client")
    parser.add_argument("--seconds", type=float, default=15, help="a page, wrk")
    parser.add_argument("--client", choices=("wrk", "python"),
                        default="wrk" if loadgen.available() else "python")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--cache-url", default="")
    parser.add_argument("--db", default=DB_NAME, help="the PostgreSQL database to build and use")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument(
        "--only", default="",
        help="time only the pages whose name has one of these comma-separated words; "
        "'leads' also times /today/ (the lead pipeline's pages)",
    )
    args = parser.parse_args()
    build(args.customers, args.leads, args.rebuild, args.db)
    with psycopg.connect(db_url(args.db)) as conn:
        customer_ids = conn.execute("SELECT min(id), max(id) FROM customers_customer").fetchone()
        segment_ids = [r[0] for r in conn.execute("SELECT id FROM campaigns_segment ORDER BY id")]
    lead_manager_pages, lead_rep_pages = lead_pages(db_url(args.db))
    customer_pages = {
        "list, no filter": ["/customers/"],
        "list, stage + sort by CLV": ["/customers/?stage=retention&sort=clv"],
        "list, type + country + P(alive)": ["/customers/?type=loyal&country=IT&sort=p_alive"],
        "list, name prefix search": [f"/customers/?q=Budi+{w}" for w in ("S", "W", "Pu")],
        # A word of the name, anywhere in it (the trigram index, customers migration 0003).
        "list, surname search": [f"/customers/?q={w}" for w in ("Putri", "Hidayat", "Rossi")],
        "list, RFM cell": ["/customers/?rfm_r=5&rfm_f=5"],
        "360 page": None,
        "buyer personas": ["/personas/"],
        "segments list": ["/segments/"],
        "segment page": [f"/segments/{pk}/" for pk in segment_ids],
    }
    pages = {**customer_pages, **lead_manager_pages}
    lead_rep_pages = {
        **lead_rep_pages,
        "segments list, sales rep": ["/segments/"],
        "segment page, sales rep": [f"/segments/{pk}/" for pk in segment_ids],
    }
    if args.only:
        words = [w.strip() for w in args.only.split(",") if w.strip()]
        if "leads" in words:
            words.append("today")

        def chosen(name: str) -> bool:
            return any(word in name for word in words)

        pages = {name: paths for name, paths in pages.items() if chosen(name)}
        lead_rep_pages = {name: paths for name, paths in lead_rep_pages.items() if chosen(name)}
    rows = []
    for cache_seconds in (0,) if args.only else (0, 60):
        server = start_server(cache_seconds, args.workers, args.db, args.cache_url)
        try:
            openers = logins("bench", args)
            if args.only:
                rows += time_pages(openers, pages, args, customer_ids)
                rep_openers = logins("rep1", args)
                rows += time_pages(rep_openers, lead_rep_pages, args, customer_ids)
                continue
            label = "dashboard, cached 60 s" if cache_seconds else "dashboard, uncached"
            if args.client == "wrk":
                rows += time_pages(openers, {label: ["/"]}, args, customer_ids)
            else:
                n_dash = args.requests if cache_seconds else max(24, args.requests // 8)
                # Warm up every worker process: its first request of a page compiles templates.
                timed(openers, ["/"] * (4 * args.clients), args.clients)
                started = time.perf_counter()
                ms = timed(openers, ["/"] * n_dash, args.clients)
                rows.append(report(label, ms, len(ms) / (time.perf_counter() - started)))
            if cache_seconds:
                continue
            rows += time_pages(openers, pages, args, customer_ids)
            rep_openers = logins("rep1", args)
            rows += time_pages(rep_openers, lead_rep_pages, args, customer_ids)
        finally:
            server.terminate()
            server.wait()
    server = f"`daur serve --workers {args.workers}`" if args.workers else "`daur serve`"
    cache = f", cache and sessions in {args.cache_url}" if args.cache_url else ""
    client = (f"wrk, {args.seconds:g} s a page" if args.client == "wrk"
              else "Python threads (urllib)")
    print(f"{args.customers:,} customers, {args.leads:,} open leads, {args.clients} concurrent"
          f" clients ({client}), {server}{cache}")
    print("| page | requests | p50 ms | p95 ms | requests/s |\n|---|---|---|---|---|")
    print("\n".join(rows))
    if args.drop:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{args.db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
