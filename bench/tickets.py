"""Service desk latency on PostgreSQL: the ticket queue (several filters), a ticket's page and the
service KPIs over 1,000,000 tickets.

Builds (once) a database (`daur_bench_tickets`, or --db) with 100,000 customers, 20 support
agents in 2 teams, 4 SLA policies and `--tickets` tickets (INSERT ... SELECT generate_series):
opened over the last two years, 5 % still open work (opened in the last 10 days, with due
moments around now: some breached, some breaching soon, some waiting), the others resolved or
closed with response and resolution times, a third rated; one customer message per ticket and a
reply and a note on the open ones. Then, in this process with Django's test client logged in as
an agent, times each page `--requests` times (p50, p95) and the KPIs (`daur kpi`'s service
figures: service_compute + service_desk_compute over 365 days) a few times.

    PYTHONPATH=src python bench/tickets.py [--tickets 1000000] [--requests 40] [--rebuild]
        [--db daur_bench_tickets] [--drop] [--skip-pages] [--surveys]

`--surveys` also adds (once) 1,000 resellers, 1,000,000 orders and 250,000 NPS answers and times
the survey results over 365 days (insights.survey_results, by reseller included) and /surveys/.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import psycopg

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

GENERATE = """
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
    is_staff, is_active, date_joined, role, is_demo)
SELECT '', false, 'agent' || g, 'Agent', g::text, '', false, true, now(), 'support_agent', false
FROM generate_series(1, 20) g;
INSERT INTO servicedesk_team (name) VALUES ('Customer care'), ('Billing');
INSERT INTO servicedesk_slapolicy (priority, response_minutes, resolution_minutes, calendar_id)
VALUES ('urgent', 30, 240, NULL), ('high', 60, 480, NULL), ('normal', 240, 1440, NULL),
    ('low', 480, 2880, NULL);
INSERT INTO customers_customer (custom_fields, updated_at, external_id, name, kind, relationship,
    email, phone, country, city, industry, acquired_via, campaign_id, referred_by_id, owner_id,
    created_at)
SELECT '{}', now(), 'C' || lpad(g::text, 7, '0'), 'Customer ' || g, 'person', 'external',
    'c' || g || '@example.com', '', CASE WHEN g % 10 = 0 THEN 'IT' ELSE 'ID' END, 'Jakarta', '',
    'website', NULL, NULL, NULL, now() - (g % 1500) * interval '1 day'
FROM generate_series(1, %(customers)s) g;
INSERT INTO servicedesk_ticket (custom_fields, updated_at, external_id, customer_id, kind,
    priority, opened_at, first_response_at, resolved_at, status, accepted, satisfaction,
    satisfaction_comment, subject, assignee_id, team_id, response_due_at, resolution_due_at,
    resolution_warn_at, sla_breached_at, sla_factor, sla_reason, origin)
SELECT '{}', now(), 'T' || lpad(g::text, 8, '0'),
    (SELECT min(id) FROM customers_customer) + h.h1 % %(customers)s,
    (ARRAY['complaint','request','suggestion'])[1 + h.h2 % 3],
    (ARRAY['low','normal','normal','high','urgent'])[1 + h.h3 % 5],
    o.opened,
    CASE WHEN o.open AND h.h4 % 5 = 0 THEN NULL ELSE o.opened + (h.h5 % 600) * interval '1 minute' END,
    CASE WHEN o.open THEN NULL ELSE o.opened + (600 + h.h6 % 7200) * interval '1 minute' END,
    CASE WHEN o.open THEN (ARRAY['open','in_progress','in_progress','waiting'])[1 + h.h7 % 4]
      WHEN h.h7 % 2 = 0 THEN 'closed' ELSE 'resolved' END,
    NULL, CASE WHEN NOT o.open AND h.h8 % 3 = 0 THEN 1 + h.h8 % 5 END, '',
    'Ticket subject ' || g,
    CASE WHEN h.h2 % 4 <> 0 THEN (SELECT min(id) FROM accounts_user) + h.h3 % 20 END,
    CASE WHEN h.h4 % 3 <> 0 THEN (SELECT min(id) FROM servicedesk_team) + h.h4 % 2 END,
    o.opened + interval '4 hours',
    CASE WHEN o.open AND h.h7 % 4 = 3 THEN NULL ELSE o.opened + (24 + h.h8 % 96) * interval '1 hour' END,
    CASE WHEN o.open AND h.h7 % 4 <> 3 THEN o.opened + (18 + h.h8 % 96) * interval '1 hour' END,
    CASE WHEN h.h6 % 10 = 0 THEN o.opened + interval '4 hours' END, 1.0, '', ''
FROM generate_series(1, %(tickets)s) g,
    LATERAL (SELECT hashint8(g) & 2147483647 AS h1, hashint8(g + 1000003) & 2147483647 AS h2,
        hashint8(g + 2000003) & 2147483647 AS h3, hashint8(g + 3000017) & 2147483647 AS h4,
        hashint8(g + 4000037) & 2147483647 AS h5, hashint8(g + 5000011) & 2147483647 AS h6,
        hashint8(g + 6000047) & 2147483647 AS h7, hashint8(g + 7000003) & 2147483647 AS h8) h,
    LATERAL (SELECT g % 20 = 0 AS open,
        CASE WHEN g % 20 = 0 THEN now() - (h.h5 % 14400) * interval '1 minute'
          ELSE now() - (h.h1 % (730 * 1440)) * interval '1 minute' END AS opened) o;
INSERT INTO servicedesk_ticketmessage (ticket_id, kind, author_id, body, created_at)
SELECT id, 'customer', NULL, 'Please help with ' || subject, opened_at FROM servicedesk_ticket;
INSERT INTO servicedesk_ticketmessage (ticket_id, kind, author_id, body, created_at)
SELECT id, k.kind, assignee_id, 'We are on it', first_response_at
FROM servicedesk_ticket, (VALUES ('reply'), ('note')) k(kind)
WHERE status IN ('open', 'in_progress', 'waiting') AND first_response_at IS NOT NULL;
INSERT INTO servicedesk_ticketevent (ticket_id, at, user_id, field, old, new)
SELECT id, opened_at, NULL, 'status', '', 'open' FROM servicedesk_ticket
WHERE status IN ('open', 'in_progress', 'waiting');
INSERT INTO servicedesk_ticketpause (ticket_id, started_at, ended_at)
SELECT id, first_response_at, NULL FROM servicedesk_ticket
WHERE status = 'waiting' AND first_response_at IS NOT NULL;
VACUUM ANALYZE;
"""


# --surveys: 1 % of the customers become resellers, 1,000,000 orders (a fifth through a reseller)
# and 250,000 NPS answers over two years, added once (skipped when the answers are there).
SURVEYS = """
UPDATE customers_customer SET relationship = 'intermediary' WHERE id % 100 = 0;
INSERT INTO sales_order (custom_fields, updated_at, external_id, customer_id, ordered_at, amount,
    currency, discount_amount, coupon_code, channel, reseller_id)
SELECT '{}', now(), 'O' || g, c.first + (hashint8(g) & 2147483647) % 100000,
    now() - (g % 700) * interval '1 day', 100, 'IDR', 0, '', 'web',
    CASE WHEN g % 5 = 0 THEN c.first + 100 * ((hashint8(g + 7) & 2147483647) % 1000) + 99 END
FROM generate_series(1, 1000000) g, (SELECT min(id) AS first FROM customers_customer) c;
INSERT INTO surveys_surveyanswer (custom_fields, updated_at, customer_id, answered_at, nps, comment)
SELECT '{}', now(), c.first + g % 100000,
    now() - (g % 700) * interval '1 day' - g * interval '1 second', g % 11, ''
FROM generate_series(1, 250000) g, (SELECT min(id) AS first FROM customers_customer) c;
VACUUM ANALYZE;
"""


def surveys_add(name: str) -> None:
    with psycopg.connect(db_url(name), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM surveys_surveyanswer LIMIT 1").fetchone():
            return
        for statement in SURVEYS.split(";\n"):
            if statement.strip():
                conn.execute(statement.encode())


def db_url(name: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def build(name: str, *, tickets: int, rebuild: bool) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not rebuild:
            return
        if exists:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with psycopg.connect(db_url(name), autocommit=True) as conn:
        sql = GENERATE.replace("%(customers)s", "100000").replace("%(tickets)s", str(tickets))
        for statement in sql.split(";\n"):
            if statement.strip():
                conn.execute(statement.encode())  # bytes: no placeholders to parse
    print(f"built {tickets:,} tickets in {time.perf_counter() - started:.0f} s", flush=True)


def timed(label: str, call, repeat: int) -> None:  # noqa: ANN001
    call()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(1000 * (time.perf_counter() - started))
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    print(f"| {label} | {statistics.median(times):.1f} | {p95:.1f} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--db", default="daur_bench_tickets")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--drop", action="store_true")
    parser.add_argument("--skip-pages", action="store_true", help="time the KPIs alone")
    parser.add_argument(
        "--surveys",
        action="store_true",
        help="add resellers, orders and NPS answers (once) and time the survey results",
    )
    args = parser.parse_args()
    os.environ["DAUR_DATABASE_URL"] = db_url(args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daur.config.settings")
    os.environ["DAUR_ALLOWED_HOSTS"] = "testserver"  # the in-process test client
    import django

    django.setup()
    build(args.db, tickets=args.tickets, rebuild=args.rebuild)

    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from daur.accounts.models import User
    from daur.insights.kpi_activity import service_compute
    from daur.insights.kpi_service import period_tickets, service_desk_compute, ticket_timings
    from daur.insights.period import Period, local_day
    from daur.servicedesk.models import Ticket

    agent = User.objects.filter(role="support_agent").order_by("id").first()
    client = Client()
    client.force_login(agent)
    waiting = Ticket.objects.filter(status="waiting").order_by("-id").values_list("id", flat=True)
    recent = Ticket.objects.order_by("-id").values_list("id", flat=True)
    pages = {
        "queue (open work, by due moment)": "/tickets/",
        "queue: my tickets": "/tickets/?agent=me",
        "queue: breached": "/tickets/?breach=breached",
        "queue: breaching soon": "/tickets/?breach=soon",
        "queue: urgent complaints": "/tickets/?priority=urgent&kind=complaint",
        "queue: all statuses, page 20": "/tickets/?status=&page=20",
        "ticket page (waiting)": f"/tickets/{waiting[0]}/",
        "ticket page (recent)": f"/tickets/{recent[3]}/",
    }
    from daur.servicedesk.models import Team

    pages["queue: team, page 5"] = f"/tickets/?team={Team.objects.order_by('id')[0].pk}&page=5"
    print(f"{Ticket.objects.count():,} tickets; {args.requests} requests each\n")
    print("| page | p50 ms | p95 ms |\n|---|---|---|")
    for label, url in ({} if args.skip_pages else pages).items():
        def get(url: str = url) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        timed(label, get, args.requests)
    now = timezone.now()
    period = Period(local_day(now) - timedelta(days=364), local_day(now))

    def kpis() -> None:  # as `daur kpi` does: one pass of the timings for both
        timings = ticket_timings(period_tickets(period))
        service_compute(period=period, timings=timings)
        service_desk_compute(period=period, now=now, timings=timings)

    timed("service KPIs, 365 days (`daur kpi`'s service figures)", kpis, 3)
    first = Ticket.objects.order_by("opened_at").values_list("opened_at", flat=True).first()
    whole = Period(local_day(first), local_day(now))
    print(f"(every ticket: {Ticket.objects.count():,}, {whole.date_from} to {whole.date_to})")

    def kpis_whole() -> None:  # every ticket of the base in one period
        timings = ticket_timings(period_tickets(whole))
        service_compute(period=whole, timings=timings)
        service_desk_compute(period=whole, now=now, timings=timings)

    timed("service KPIs over every ticket", kpis_whole, 3)
    timed("service dashboard page, 365 days", lambda: client.get("/tickets/dashboard/?days=365"), 3)
    if args.surveys:
        from daur.insights.survey_results import survey_results

        surveys_add(args.db)
        year = (now - timedelta(days=365), now)
        timed("survey results, 365 days (with 1,000 resellers)",
              lambda: survey_results(start=year[0], end=year[1]), 3)
        timed("surveys page, 365 days", lambda: client.get("/surveys/?days=365"), 3)
    if args.drop:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{args.db}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
