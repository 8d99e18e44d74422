"""The production stack of docs/deploy.md, started on this machine from the unit files in
deploy/: gunicorn, two Celery workers and the scheduler on PostgreSQL and Redis. The test
drives a login and a page, an import run by a worker, and the nightly scoring sent by the
scheduler and run once although it is sent again and again."""

from __future__ import annotations

import configparser
import http.cookiejar
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

DB_URL = os.environ.get("DAUR_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("DAUR_TEST_REDIS_URL", "")
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DAUR = "/opt/daur/venv/bin/daur"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (DB_URL and REDIS_URL), reason="needs DAUR_TEST_DATABASE_URL and DAUR_TEST_REDIS_URL"
    ),
]


def unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(DEPLOY / name)
    return parser["Service"]


def command(line: str, instance: str = "") -> list[str]:
    """A unit's ExecStart as this machine runs it: the daur of this interpreter, systemd's
    specifiers filled in."""
    words = shlex.split(line.replace("%%", "%").replace("%i", instance))
    assert words[0] == DAUR, f"the units start {DAUR}, not {words[0]}"
    return [sys.executable, "-m", "daur.cli", *words[1:]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(database_url: str, home: Path) -> dict[str, str]:
    """daur.env.example with this machine's services, plain HTTP on loopback."""
    env = {}
    for line in (DEPLOY / "daur.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    env.update(
        DAUR_DATABASE_URL=database_url, DAUR_REDIS_URL=REDIS_URL, DAUR_CACHE_URL=REDIS_URL,
        DAUR_ALLOWED_HOSTS="127.0.0.1", DAUR_CSRF_TRUSTED_ORIGINS="", DAUR_SECURE_COOKIES="false",
        DAUR_SSL_REDIRECT="false", DAUR_HSTS_SECONDS="0", DAUR_PROXY_SSL_HEADER="",
        DAUR_FORWARDED_FOR_HEADER="", DAUR_HOME=str(home), DAUR_SECRET_KEY="stack-test-" + "x" * 40,
        DAUR_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_SETTINGS_MODULE="daur.config.settings",
    )
    return {**{k: v for k, v in os.environ.items() if not k.startswith("DAUR_")}, **env}


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except OSError as error:
            last = error
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {seconds} s (last: {last!r})")


@pytest.fixture
def stack_database():
    import psycopg

    name = f"daur_stack_{os.getpid()}"
    maintenance = urllib.parse.urlsplit(DB_URL)._replace(path="/postgres").geturl()
    admin = psycopg.connect(maintenance, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    url = urllib.parse.urlsplit(DB_URL)._replace(path=f"/{name}").geturl()
    try:
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def sql(url: str, query: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def test_the_deployed_stack_serves_imports_and_scores(stack_database, tmp_path):
    import redis

    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    env = environment(stack_database, tmp_path)
    web = unit("daur-web.service")
    subprocess.run(command(web["ExecStartPre"]), env=env, check=True, timeout=300)
    port = free_port()
    serve = [w.replace("8000", str(port)) for w in command(web["ExecStart"])]
    logs = tmp_path / "logs"
    logs.mkdir()
    started = []

    def start(argv: list[str], name: str) -> None:
        out = (logs / f"{name}.log").open("wb")
        started.append(subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT))

    try:
        start(serve, "web")
        for i in ("1", "2"):
            start(command(unit("daur-worker@.service")["ExecStart"], i), f"worker{i}")
        start(command(unit("daur-scheduler.service")["ExecStart"]), "scheduler")
        base = f"http://127.0.0.1:{port}"

        def health() -> dict | None:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:
                    body = json.load(answer)
            except urllib.error.HTTPError as error:
                body = json.load(error)
            seen["health"] = body
            return body if body["ok"] and body["checks"]["workers"]["workers"] == 2 else None

        seen: dict = {}

        try:
            body = wait_for(health, 120, "both workers answering /healthz")
        except AssertionError:
            tails = {p.name: p.read_text(errors="replace")[-1500:] for p in logs.iterdir()}
            raise AssertionError(f"/healthz: {seen.get('health')}, logs: {tails}") from None
        assert body["checks"]["database"]["vendor"] == "postgresql"

        # A manager logs in and opens the customer list.
        manage = [sys.executable, "-m", "daur.cli", "manage", "shell", "-c"]
        subprocess.run(
            [*manage, "from daur.accounts.models import User; "
             "User.objects.create_user('boss', password='pw-boss-1', role='manager')"],
            env=env, check=True, timeout=120,
        )
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{base}/login/", timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"username": "boss", "password": "pw-boss-1", "csrfmiddlewaretoken": token}
        ).encode()
        opener.open(urllib.request.Request(f"{base}/login/", data=form), timeout=30)
        listing = opener.open(f"{base}/customers/", timeout=30)
        assert listing.status == 200 and listing.url.endswith("/customers/")
        assert listing.headers["X-Request-ID"]

        # An import, run by a worker.
        customers = tmp_path / "customers.csv"
        customers.write_text(
            "customer_id,name\n" + "".join(f"S{i},Shop {i}\n" for i in range(40)), encoding="utf-8"
        )
        orders = tmp_path / "orders.csv"
        orders.write_text(
            "order_id,customer_id,ordered_at,amount\n"
            + "".join(f"O{i}-{k},S{i},2026-0{1 + k}-1{i % 9},{100 + i}\n"
                      for i in range(40) for k in range(1 + i % 3)),
            encoding="utf-8",
        )
        for kind, path in (("customers", customers), ("orders", orders)):
            subprocess.run(
                [*manage, "from daur.jobs import file_import_task as t; "
                 f"r = t.delay(kind={kind!r}, path={str(path)!r}).get(timeout=120); "
                 "assert r['ok'], r"],
                env=env, check=True, timeout=180,
            )
        written = orders.read_text(encoding="utf-8").count("\n") - 1
        assert sql(stack_database, "SELECT count(*) FROM sales_order")[0][0] == written

        # The scheduler sends the nightly scoring every 2 s; the workers run it once.
        subprocess.run(
            [*manage, "from django_celery_beat.models import IntervalSchedule, PeriodicTask; "
             "s, _ = IntervalSchedule.objects.get_or_create(every=2, period='seconds'); "
             "PeriodicTask.objects.filter(name='Nightly scoring').update(crontab=None, "
             "interval=s)"],
            env=env, check=True, timeout=120,
        )
        status = "SELECT status FROM insights_scoringrun"
        wait_for(lambda: sql(stack_database, status) == [("succeeded",)], 180, "a scoring run")
        wait_for(lambda: _skipped(logs), 60, "a later send, skipped as already started today")
        assert sql(stack_database, status) == [("succeeded",)]
        scored = sql(stack_database, "SELECT count(*) FROM insights_customerscore")[0][0]
        assert scored == 40
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        broker.flushdb()
    for name in ("web", "worker1", "worker2", "scheduler"):
        text = (logs / f"{name}.log").read_text(errors="replace")
        assert "Traceback" not in text, f"{name}:\n{text[-3000:]}"


def _skipped(logs: Path) -> int:
    """How many times the workers skipped the nightly scoring as already started today."""
    text = "".join((logs / f"worker{i}.log").read_text(errors="replace") for i in ("1", "2"))
    return text.count("already started on")
