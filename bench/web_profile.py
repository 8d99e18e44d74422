"""The lead pages' work per request, one request at a time in one process: Django's test client
on the bench/web.py database (the server's settings, its per-process cache, sessions in the
database), as the manager (`bench`) and a sales rep (`rep1`).

Per page: the median wall and CPU time of the process over --repeat requests after 3 warm-ups,
the queries a request makes and their time (measured in a separate pass: recording them costs
CPU). With --profile NAME, a cProfile of that page's requests (NAME: a word of the page's row
name, e.g. "kanban, sales rep"), its top functions by cumulative and by own time.

    PYTHONPATH=src python bench/web_profile.py --db daur_bench_web [--repeat 10]
        [--only kanban,list,today] [--profile "today, sales rep"] [--top 40]

On a shared machine the wall time waits for a core; the CPU time is the load-independent part.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def setup(db: str) -> None:
    os.environ["DAUR_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{db}"
    os.environ["DAUR_CACHE_URL"] = ""  # as bench/web.py's server: a per-process cache
    os.environ.pop("DAUR_REDIS_URL", None)
    os.environ["DAUR_AXES_ENABLED"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "daur.config.settings"
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=os.environ.get("DAUR_BENCH_WEB_DB", "daur_bench_web"))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--only", default="", help="comma-separated words of the pages' names")
    parser.add_argument("--profile", default="", help="a page's name (or a word of it)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--queries", action="store_true", help="print each page's queries")
    args = parser.parse_args()
    setup(args.db)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from daur.accounts.models import User
    from web_leads import lead_pages

    manager_pages, rep_pages = lead_pages(os.environ["DAUR_DATABASE_URL"])
    clients = {}
    for username in ("bench", "rep1"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        clients[username] = client
    pages = [("bench", name, paths) for name, paths in manager_pages.items()]
    pages += [("rep1", name, paths) for name, paths in rep_pages.items()]
    if args.only:
        words = [w.strip() for w in args.only.split(",") if w.strip()]
        pages = [p for p in pages if any(w in p[1] for w in words)]
    if args.profile:
        pages = [p for p in pages if args.profile in p[1]]

    def get(client: Client, path: str) -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    print("| page | wall ms | CPU ms | queries | SQL ms |\n|---|---|---|---|---|")
    for username, name, paths in pages:
        client = clients[username]
        for i in range(3):
            get(client, paths[i % len(paths)])
        walls, cpus = [], []
        profiler = cProfile.Profile() if args.profile else None
        for i in range(args.repeat):
            path = paths[i % len(paths)]
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            get(client, path)
            if profiler:
                profiler.disable()
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        with CaptureQueriesContext(connection) as captured:
            get(client, paths[0])
        sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
        print(f"| {name} | {statistics.median(walls):.1f} | {statistics.median(cpus):.1f} |"
              f" {len(captured.captured_queries)} | {sql_ms:.1f} |")
        if args.queries:
            for q in captured.captured_queries:
                print(f"    {float(q['time']) * 1000:7.2f} ms  {q['sql'][:400]}")
        if profiler:
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
                print(out.getvalue())


if __name__ == "__main__":
    main()
