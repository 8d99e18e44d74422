"""The long-running processes: `daur serve` (the web application), `daur worker` (a Celery
worker) and `daur scheduler` (Celery beat), as deploy/'s units start them."""

from __future__ import annotations

import argparse
import sys


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the web application")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--workers",
        type=int,
        default=0,
        help="serve with gunicorn and this many processes (production; about 2 per core); "
        "without it, Django's threaded development server in one process",
    )
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("worker", help="run a Celery worker (production, needs DAUR_REDIS_URL)")
    p.add_argument("--loglevel", default="INFO")
    p.add_argument("--concurrency", type=int)
    p.add_argument(
        "--hostname", help="the worker's node name, e.g. worker1@%%h (several on one host)"
    )
    p.set_defaults(handler=cmd_worker)

    p = sub.add_parser(
        "scheduler", help="run the Celery beat scheduler (nightly scoring; needs DAUR_REDIS_URL)"
    )
    p.add_argument("--loglevel", default="INFO")
    p.set_defaults(handler=cmd_scheduler)


def cmd_serve(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    if args.workers:
        from daur.config.server import serve_gunicorn

        serve_gunicorn(host=args.host, port=args.port, workers=args.workers)
        return 0
    from django.core.management import call_command

    call_command("runserver", f"{args.host}:{args.port}", use_reloader=False)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    from daur.config.celery import app

    argv = ["worker", "--loglevel", args.loglevel]
    if args.concurrency:
        argv += ["--concurrency", str(args.concurrency)]
    if args.hostname:
        argv += ["--hostname", args.hostname]
    app.worker_main(argv)
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    from daur.cli import _setup_django

    _setup_django()
    from django.conf import settings

    if not settings.REDIS_URL:
        print(
            "daur scheduler: needs DAUR_REDIS_URL (the workers' broker); on the embedded default "
            "run `daur score` from cron instead",
            file=sys.stderr,
        )
        return 2
    from daur.config.celery import app

    app.Beat(loglevel=args.loglevel, scheduler=settings.CELERY_BEAT_SCHEDULER).run()
    return 0
