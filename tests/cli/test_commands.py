"""The `daur` command end to end: init, demo, import, export, help."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from daur import cli
from daur.accounts.models import User
from daur.customers.models import Customer
from daur.demo.load import demo_load
from daur.sales.models import Order

SPEC_COMMANDS = ("init", "demo", "import", "export", "score", "fit", "kpi", "serve", "worker")


def test_help_lists_every_command_of_the_spec(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in SPEC_COMMANDS:
        assert command in out


@pytest.mark.django_db
def test_demo_creates_a_business_and_users_deterministically(tmp_path):
    summary = demo_load(customers=120, seed=3)
    assert "120 customers" in summary
    demo = User.objects.get(username="demo")
    assert demo.role == "manager" and demo.is_demo and demo.check_password("demo")
    assert set(User.objects.values_list("role", flat=True)) == {
        "admin",
        "manager",
        "sales_rep",
        "marketer",
        "support_agent",
    }
    orders = sorted(Order.objects.values_list("external_id", "amount"))
    assert orders and Customer.objects.count() == 120
    # Same seed again: nothing changes; the imports are idempotent upserts.
    demo_load(customers=120, seed=3)
    assert sorted(Order.objects.values_list("external_id", "amount")) == orders


@pytest.mark.django_db
def test_import_command_reports_problems_and_exits_non_zero(tmp_path, capsys):
    bad = tmp_path / "c.csv"
    bad.write_text("customer_id,name\nC1,\n", encoding="utf-8")
    assert cli.main(["import", "customers", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "line 2, column name: is required but empty" in err
    good = tmp_path / "g.csv"
    good.write_text("customer_id,name\nC1,Ani\n", encoding="utf-8")
    assert cli.main(["import", "customers", str(good), "--dry-run"]) == 0
    assert not Customer.objects.exists()
    assert cli.main(["import", "customers", str(good)]) == 0
    assert cli.main(["export", "customers", str(tmp_path / "out.csv")]) == 0
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as handle:
        assert [row["name"] for row in csv.DictReader(handle)] == ["Ani"]


@pytest.mark.django_db
def test_import_of_a_missing_file_or_a_directory_is_one_line_and_exit_code_2(tmp_path, capsys):
    for given, reason in ((tmp_path / "none.csv", "No such file"), (tmp_path, "Is a directory")):
        assert cli.main(["import", "customers", str(given)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and reason in err and str(given) in err
        assert "Traceback" not in err


def test_a_fresh_directory_gets_a_database_and_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAUR_")}
    env.update(DAUR_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="daur.config.settings")
    run = subprocess.run(
        [sys.executable, "-m", "daur.cli", "init"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "daur.sqlite3").exists()
    key = tmp_path / ".daur-secret-key"
    assert oct(key.stat().st_mode)[-3:] == "600" and len(key.read_text().strip()) > 40
    again = subprocess.run(
        [sys.executable, "-m", "daur.cli", "init"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0 and key.read_text() == Path(key).read_text()


def test_serve_with_workers_runs_gunicorn_processes(tmp_path):
    import socket
    import time
    import urllib.request

    env = {k: v for k, v in os.environ.items() if not k.startswith("DAUR_")}
    env.update(DAUR_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="daur.config.settings")
    subprocess.run([sys.executable, "-m", "daur.cli", "init"], env=env, cwd=tmp_path,
                   check=True, capture_output=True, timeout=120)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "daur.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as page:
                    assert page.status == 200 and b"csrfmiddlewaretoken" in page.read()
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not answer")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _demo_process(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAUR_")}
    env.update(DAUR_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="daur.config.settings")
    subprocess.run([sys.executable, "-m", "daur.cli", "init"], env=env, check=True, timeout=300)
    return subprocess.run(
        [sys.executable, "-m", "daur.cli", "demo", "--customers", "60", *args],
        env=env, capture_output=True, text=True, timeout=600,
    )


def test_the_demo_ends_on_the_day_asked_and_refuses_a_bad_one(tmp_path):
    import sqlite3

    bad = _demo_process(tmp_path, "--end", "31-01-2025")
    assert bad.returncode == 2 and "--end '31-01-2025' is not a date" in bad.stderr
    run = _demo_process(tmp_path, "--end", "2025-01-31")
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(tmp_path / "daur.sqlite3") as db:
        first, last = db.execute("SELECT min(ordered_at), max(ordered_at) FROM sales_order").fetchone()
    # three years of business, none of it after the day asked (in the shop's +07:00)
    assert first[:7] >= "2022-02" and last[:10] <= "2025-01-31" and last[:7] >= "2025-01"


@pytest.mark.skipif(
    __import__("django.db", fromlist=["connection"]).connection.vendor == "postgresql",
    reason="the refusal is SQLite's",
)
@pytest.mark.django_db
def test_distributed_scoring_on_sqlite_is_refused_with_the_reason(capsys):
    assert cli.main(["score", "--distributed"]) == 1
    assert "distributed scoring needs PostgreSQL" in capsys.readouterr().err


@pytest.mark.django_db
def test_incremental_scoring_says_what_it_read_again_or_why_it_ran_in_full(capsys):
    demo_load(customers=60, seed=5)
    assert cli.main(["score", "--incremental", "--as-of", "2026-06-01"]) == 0
    assert "A full run: no stored state of an earlier run." in capsys.readouterr().out
    assert cli.main(["score", "--incremental", "--as-of", "2026-06-02"]) == 0
    out = capsys.readouterr().out
    assert "Incremental: " in out and "customers read again" in out


@pytest.mark.django_db
def test_incremental_and_distributed_scoring_together_are_refused(capsys):
    assert cli.main(["score", "--incremental", "--distributed"]) == 2
    assert "do not go together" in capsys.readouterr().err
