"""Sending e-mail: Daur's sender in two worker processes to a local SMTP sink, beside Django's
send_mass_mail over one connection in the same run; and queueing a large batch of drafts.

    PYTHONPATH=src python bench/mail.py [--emails 5000] [--queue 100000] [--workers 2]
                                        [--database-url URL]

The sink is aiosmtpd on 127.0.0.1 (it counts the messages, keeps none). The database is a fresh
SQLite file in a temporary directory unless --database-url names an empty one (e.g. a
PostgreSQL database made for the run). Timed:
- queue: `emails_queue` of --queue drafts to as many customers (COPY/INSERT … SELECT … ON
  CONFLICT), then the same call again (every key exists: nothing written);
- daur: `emails_send` in --workers processes at once (forked, each its own database and SMTP
  connections) until the queue of --emails messages is empty: claim per batch, consent re-check,
  the per-language template with the unsubscribe link and the RFC 8058 headers, the status
  write per batch;
- peer: Django's `send_mass_mail` of the same number of plain messages over one connection in
  one process (no database, no template, no headers).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.mail.smtp_sink

from tests.mail.smtp_sink import smtp_start  # noqa: E402


def setup(database_url: str, home: str, port: int) -> None:
    os.environ.update(
        DAUR_HOME=home,
        DAUR_DATABASE_URL=database_url,
        DAUR_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DAUR_EMAIL_HOST="127.0.0.1",
        DAUR_EMAIL_PORT=str(port),
        DAUR_BASE_URL="https://crm.example.com",
        DJANGO_SETTINGS_MODULE="daur.config.settings",
    )
    os.environ.pop("DAUR_REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.urls import reverse

    # A worker reads the URL configuration (the whole web application) once, at its first link;
    # read here, before the workers fork, so that the figure is the steady sending rate.
    reverse("web:outbox")


def customers_make(n: int) -> list[int]:
    from daur.customers.models import Customer

    start = Customer.objects.count()
    Customer.objects.bulk_create(
        [
            Customer(
                external_id=f"B{start + i:08d}", name=f"Customer {start + i}",
                email=f"c{start + i}@shop.example", language=("en", "id", "it")[i % 3],
            )
            for i in range(n)
        ],
        batch_size=5000,
    )
    return list(Customer.objects.order_by("-pk").values_list("pk", flat=True)[:n])


def drafts(ids: list[int], tag: str) -> list[dict]:
    return [
        {"key": f"{tag}:member:{pk}", "customer_id": pk, "subject": "Our new season",
         "body": "Dear customer,\nthe new season is here.", "language": "", "source": tag}
        for pk in ids
    ]


def worker(results) -> None:  # noqa: ANN001 - a multiprocessing queue
    from django.db import connections

    connections.close_all()  # a forked child opens its own
    from daur.actions.mail_send import emails_send

    outcome = emails_send()
    results.put((outcome.sent, outcome.failed, outcome.error))


def send_daur(workers: int) -> tuple[float, int]:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [context.Process(target=worker, args=(results,)) for _ in range(workers)]
    start = time.perf_counter()
    for process in processes:
        process.start()
    outcomes = [results.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - start
    errors = [error for _, _, error in outcomes if error]
    if errors:
        raise SystemExit(f"sending failed: {errors}")
    return elapsed, sum(sent for sent, _, _ in outcomes)


def send_peer(n: int) -> float:
    from django.core.mail import get_connection, send_mass_mail

    messages = [
        ("Our new season", "Dear customer,\nthe new season is here.", None, [f"p{i}@shop.example"])
        for i in range(n)
    ]
    start = time.perf_counter()
    with get_connection() as connection:
        sent = send_mass_mail(messages, connection=connection)
    elapsed = time.perf_counter() - start
    assert sent == n
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=5000)
    parser.add_argument("--queue", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    controller, sink = smtp_start(keep=False)
    with tempfile.TemporaryDirectory() as home:
        url = args.database_url or f"sqlite:///{home}/bench.sqlite3"
        setup(url, home, controller.port)
        from django.db import connection

        from daur.actions.mail import emails_queue

        print(f"python {platform.python_version()}, database {connection.vendor}, "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
        if args.queue:
            ids = customers_make(args.queue)
            start = time.perf_counter()
            first = emails_queue(drafts(ids, "queue"))
            queued = time.perf_counter() - start
            start = time.perf_counter()
            again = emails_queue(drafts(ids, "queue"))
            requeued = time.perf_counter() - start
            assert first.queued == args.queue and again.existing == args.queue
            print(f"queue {args.queue:,} drafts: {queued:.2f} s ({args.queue / queued:,.0f}/s); "
                  f"the same again (nothing written): {requeued:.2f} s")
            from daur.engagement.models import OutboundEmail

            OutboundEmail.objects.filter(source="queue").update(status="skipped")
        ids = customers_make(args.emails)
        emails_queue(drafts(ids, "send"))
        received = sink.count
        elapsed, sent = send_daur(args.workers)
        assert sent == args.emails and sink.count - received == sent, (sent, sink.count)
        print(f"daur emails_send, {args.workers} worker processes: {sent:,} e-mails in "
              f"{elapsed:.2f} s = {sent / elapsed:,.0f} e-mails/s")
        peer = send_peer(args.emails)
        print(f"peer: Django send_mass_mail, one connection, one process: {args.emails:,} "
              f"e-mails in {peer:.2f} s = {args.emails / peer:,.0f} e-mails/s")
    controller.stop()


if __name__ == "__main__":
    main()
