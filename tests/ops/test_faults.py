"""Faults against the real PostgreSQL: eight importers of overlapping files at once give exact
counts and no duplicate; an import whose connection the server ends midway says so, writes
nothing, and the retry succeeds."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

import daur
from daur.actions.interchange import file_import
from daur.customers.models import Customer
from daur.interchange.models import ImportRun
from daur.sales.models import Order

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]

IMPORTERS = 8


def overlapping_files(tmp_path: Path) -> list[tuple[Path, Path]]:
    """Importer k writes customers and orders k*100 .. k*100+299: each row in up to three files."""
    files = []
    for k in range(IMPORTERS):
        ids = range(k * 100, k * 100 + 300)
        customers = tmp_path / f"customers{k}.csv"
        customers.write_text(
            "customer_id,name,email\n" + "".join(f"C{i},Shop {i},s{i}@example.id\n" for i in ids),
            encoding="utf-8",
        )
        orders = tmp_path / f"orders{k}.csv"
        orders.write_text(
            "order_id,customer_id,ordered_at,amount\n"
            + "".join(f"O{i},C{i},2026-03-{1 + i % 28:02d},{1000 + i}\n" for i in ids),
            encoding="utf-8",
        )
        files.append((customers, orders))
    return files


def test_eight_importers_of_overlapping_files_give_exact_counts(tmp_path):
    files = overlapping_files(tmp_path)
    errors: list[BaseException] = []
    start = threading.Barrier(IMPORTERS)

    def run(customers: Path, orders: Path) -> None:
        try:
            start.wait()
            file_import(kind="customers", path=customers)
            file_import(kind="orders", path=orders)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    expected = (IMPORTERS - 1) * 100 + 300
    assert Customer.objects.count() == expected
    assert Customer.objects.values("external_id").distinct().count() == expected
    assert Order.objects.count() == expected
    assert sorted(Order.objects.values_list("amount", flat=True)) == [
        1000 + i for i in range(expected)
    ]
    assert ImportRun.objects.filter(status="succeeded").count() == 2 * IMPORTERS


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _import(path: Path, tmp_path: Path, application: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAUR_")}
    env.update(
        DAUR_HOME=str(tmp_path), DAUR_DATABASE_URL=_database_url(), PGAPPNAME=application,
        DJANGO_SETTINGS_MODULE="daur.config.settings",
        PYTHONPATH=str(Path(daur.__file__).resolve().parents[1]),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "daur.cli", "import", "orders", str(path)],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_a_connection_ended_midway_writes_nothing_and_the_retry_succeeds(tmp_path):
    rows = 200_000
    customers = tmp_path / "customers.csv"
    customers.write_text(
        "customer_id,name\n" + "".join(f"C{i},Shop {i}\n" for i in range(2000)), encoding="utf-8"
    )
    file_import(kind="customers", path=customers)
    orders = tmp_path / "orders.csv"
    with orders.open("w", encoding="utf-8") as out:
        out.write("order_id,customer_id,ordered_at,amount\n")
        out.writelines(f"O{i},C{i % 2000},2026-01-15T10:00:00+07:00,{100 + i}\n" for i in range(rows))
    application = f"daur-dropped-{uuid.uuid4().hex[:8]}"
    importer = _import(orders, tmp_path, application)
    deadline = time.monotonic() + 120
    ended = 0
    while not ended:
        assert importer.poll() is None, f"the import ended first: {importer.communicate()}"
        assert time.monotonic() < deadline, "the import never wrote"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND state = 'active' AND query ILIKE %s",
                [application, "%order%"],
            )
            ended = len(cursor.fetchall())
        time.sleep(0.05)
    out, err = importer.communicate(timeout=120)
    assert importer.returncode != 0
    assert "Traceback" not in err, err
    assert "connection" in err.lower() and "nothing was written" in err.lower(), err
    assert Order.objects.count() == 0
    failed = ImportRun.objects.get(kind="orders", status="failed")
    assert "OperationalError" in failed.report or "terminating" in failed.report
    retry = _import(orders, tmp_path, application + "-retry")
    out, err = retry.communicate(timeout=600)
    assert retry.returncode == 0, err
    assert Order.objects.count() == rows
