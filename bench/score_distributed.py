"""`daur score --distributed` against the in-process run, on PostgreSQL with real Celery workers.

    python bench/score_distributed.py [--customers 1000000] [--orders-per-customer 10]
        [--range-size 50000] [--workers 1,2] [--reuse] [--skip-peer] [--database daur_bench_dist]

Builds the base of bench/score.py (SQL alone) in the database daur_bench_dist, then times the
scoring step (read, fit, rank, score, store and swap) in process — the peer — and distributed
over 1 and then 2 Celery workers (`daur worker --concurrency 1`, Redis db 14 as broker), and
prints the speed-up from one worker to two and each worker's peak memory (VmHWM of its
processes). Every run's scores are stored; the figures and alerts after scoring are left out
(the same in both). `--skip-peer` leaves out the in-process run: at 10,000,000 customers it
would hold the whole base in one process, which is what the distributed run exists to avoid.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/14"


def peak_mb(pid: int) -> float:
    """The peak resident memory of a process and its children (VmHWM), in MB."""
    pids = [pid] + [
        int(p.name) for p in Path("/proc").iterdir()
        if p.name.isdigit() and _parent(p) == pid
    ]
    peaks = []
    for each in pids:
        try:
            for line in (Path("/proc") / str(each) / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return max(peaks, default=0.0)


def _parent(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def fit_seconds(run) -> str:  # noqa: ANN001 - a ScoringRun
    """The whole-base fits' seconds (the holdout test's fits are not timed by the run)."""
    fitted = {k: v["seconds"] for k, v in run.fits.items() if isinstance(v, dict) and "seconds" in v}
    return "whole-base fits: " + ", ".join(f"{k} {v:.1f} s" for k, v in fitted.items()) + (
        f"; purchase model {run.fits.get('purchase_model')}"
    )


def child(args: argparse.Namespace) -> None:
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)  # a reused base gets the code's new tables too
    if args.mode == "build":
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM customers_customer")
            if cursor.fetchone()[0] != args.customers:
                from score import build_postgres

                started = time.perf_counter()
                build_postgres(cursor, args.customers, args.orders_per_customer)
                print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            print(f"database size {cursor.fetchone()[0]}", flush=True)
        return
    from daur.insights.distributed import scores_compute_distributed
    from daur.insights.services import scores_compute
    from daur.jobs import score_ranges_dispatch

    if args.mode == "in-process":
        started = time.perf_counter()
        run = scores_compute()
        seconds = time.perf_counter() - started
        print(f"  {fit_seconds(run)}", flush=True)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"RESULT {seconds:.2f} {peak:.0f}", flush=True)
        return
    started = time.perf_counter()
    run = scores_compute_distributed(dispatch=score_ranges_dispatch, range_size=args.range_size)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    laps = ", ".join(f"{k} {v:.1f} s" for k, v in run.phase_seconds.items())
    print(f"  steps: {laps}", flush=True)
    print(f"  {fit_seconds(run)}", flush=True)
    print(f"RESULT {seconds:.2f} {peak:.0f} {run.ranges_total}", flush=True)


def run_child(env: dict, args: argparse.Namespace, mode: str) -> list[str]:
    argv = [sys.executable, __file__, "--child", mode, "--customers", str(args.customers),
            "--orders-per-customer", str(args.orders_per_customer),
            "--range-size", str(args.range_size)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{mode} failed:\n{done.stdout}\n{done.stderr}")
    out = done.stdout
    print(out.replace("RESULT", "  result:").rstrip(), flush=True)
    found = [line for line in out.splitlines() if line.startswith("RESULT")]
    return found[0].split()[1:] if found else []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders-per-customer", type=int, default=10)
    parser.add_argument("--range-size", type=int, default=50_000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--database", default="daur_bench_dist")
    parser.add_argument("--child", choices=("build", "in-process", "distributed"))
    args = parser.parse_args()
    if args.child:
        args.mode = args.child
        child(args)
        return
    import psycopg
    import redis

    db = args.database
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone()
        if not (args.reuse and exists):
            conn.execute(f"DROP DATABASE IF EXISTS {db}")
            conn.execute(f"CREATE DATABASE {db}")
    broker = redis.Redis.from_url(REDIS_URL)
    with tempfile.TemporaryDirectory() as home:
        base = {k: v for k, v in os.environ.items() if not k.startswith("DAUR_")}
        env = {**base, "DAUR_HOME": home, "DJANGO_SETTINGS_MODULE": "daur.config.settings",
               "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT / "bench"),
               "DAUR_DATABASE_URL": f"{PG_SERVER}/{db}", "PYTHONUNBUFFERED": "1"}
        print(f"{args.customers:,} customers, {args.customers * args.orders_per_customer:,} "
              f"orders, ranges of {args.range_size:,} customers", flush=True)
        run_child(env, args, "build")
        peer = peer_peak = None
        if not args.skip_peer:
            print("in process (the peer):", flush=True)
            peer, peer_peak = (float(v) for v in run_child(env, args, "in-process"))
        results = {}
        for n in (int(w) for w in args.workers.split(",")):
            broker.flushdb()
            worker_env = {**env, "DAUR_REDIS_URL": REDIS_URL}
            workers = [
                subprocess.Popen(
                    [sys.executable, "-m", "daur.cli", "worker", "--concurrency", "1",
                     "--loglevel", "WARNING", "--hostname", f"bench{i}@%h"],
                    env=worker_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
                for i in range(n)
            ]
            try:
                time.sleep(8)  # the workers connect to the broker
                print(f"distributed over {n} worker(s):")
                seconds, coordinator_peak, ranges = run_child(worker_env, args, "distributed")
                worker_peaks = [peak_mb(w.pid) for w in workers]
            finally:
                for w in workers:
                    w.terminate()
                for w in workers:
                    w.wait(timeout=60)
            results[n] = float(seconds)
            print(f"  {float(seconds):.1f} s over {ranges} ranges; coordinator peak "
                  f"{float(coordinator_peak):,.0f} MB; worker peaks "
                  + ", ".join(f"{p:,.0f} MB" for p in worker_peaks))
        broker.flushdb()
    if peer is not None:
        print(f"\nin process {peer:.1f} s (peak {peer_peak:,.0f} MB)")
    for n, seconds in results.items():
        ratio = f" = {peer / seconds:.2f}x the in-process run" if peer is not None else ""
        print(f"distributed, {n} worker(s): {seconds:.1f} s{ratio}")
    if 1 in results and 2 in results:
        print(f"speed-up from one worker to two: {results[1] / results[2]:.2f}x")
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        if not args.reuse:
            conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


if __name__ == "__main__":
    main()
