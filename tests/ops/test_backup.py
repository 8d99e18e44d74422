"""`daur backup` / `daur restore`: a round trip through an emptied database gives back every row
(ids, moments, decimals, JSON, history, users' permissions by natural key); a damaged backup or a
database with data is refused before anything is written; a backup taken while orders are being
written is one consistent snapshot."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection

from daur.cli import main
from daur.customers.models import Customer
from daur.db.backup import BackupError, _tables, backup_restore, backup_write
from daur.insights.models import ScoringRun
from daur.sales.models import Order
from tests.web.factories import customer_make, order_make, run_make, score_make, user_make

ON_POSTGRESQL = bool(os.environ.get("DAUR_TEST_DATABASE_URL"))


def every_row() -> dict[str, list[tuple]]:
    """Each backed-up table's rows as Python values, in id order; permissions by natural key."""
    rows = {}
    for table in _tables():
        names = [f.attname for f in table.fields]
        values = list(table.model._base_manager.order_by("pk").values_list(*names))
        if table.label.endswith("_user_permissions") or table.label.endswith("group_permissions"):
            perms = {p.pk: p.codename for p in Permission.objects.all()}
            column = names.index("permission_id")
            values = [
                tuple(perms[v] if i == column else v for i, v in enumerate(row)) for row in values
            ]
        rows[table.label] = values
    return rows


def business() -> None:
    rep = user_make("rep-backup", first_name="Dewi \\N", last_name="Ça\nva, \"ok\"")
    rep.user_permissions.add(Permission.objects.get(codename="view_customer"))
    kept = customer_make("Toko Ani", owner=rep, email="ani@example.id", city="")
    other = customer_make("\\N literally", phone="\\")
    kept.name = "Toko Ani Jaya"  # a second history row
    kept.save()
    run = run_make()
    ScoringRun.objects.filter(pk=run.pk).update(
        fits={"bgnbd": {"r": 0.2425, "alpha": 4.414, "ok": True, "note": None}}, seconds=1e-7
    )
    score_make(kept, run=run, clv=1234567.891, p_alive=0.3333333333333333)
    score_make(other, run=run, clv=None, p_alive=None, r=None, f=None)
    order_make(kept, amount="99999999.99", at=datetime(2024, 2, 29, 23, 59, 59, 123456, UTC))
    order_make(other, amount="0.01", lines=3)


def emptied() -> None:
    """Every table empty, content types and permissions made anew (new ids on PostgreSQL)."""
    call_command("flush", interactive=False, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_round_trip_gives_back_every_row(tmp_path):
    business()
    before = every_row()
    manifest = backup_write(tmp_path / "b")
    assert {t["model"]: t["rows"] for t in manifest["tables"]}["sales.order"] == 2
    emptied()
    assert Customer.objects.count() == 0
    counts = backup_restore(tmp_path / "b")
    assert every_row() == before
    assert counts["customers.customer"] == 2 and counts["customers.historicalcustomer"] == 3
    # the sequences moved past the restored ids: new rows get new ids
    fresh = customer_make("After restore")
    assert fresh.pk > max(pk for pk, *_ in before["customers.customer"])
    assert Order.objects.get(amount=Decimal("99999999.99")).ordered_at == datetime(
        2024, 2, 29, 23, 59, 59, 123456, UTC
    )


@pytest.mark.django_db(transaction=True)
def test_a_database_with_data_is_refused(tmp_path):
    business()
    backup_write(tmp_path / "b")
    before = every_row()
    with pytest.raises(BackupError, match="not empty"):
        backup_restore(tmp_path / "b")
    assert every_row() == before


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_is_written(tmp_path):
    business()
    backup_write(tmp_path / "b")
    emptied()
    orders = tmp_path / "b" / "sales.order.csv"
    orders.write_text(orders.read_text(encoding="utf-8") + "9,x\n", encoding="utf-8")
    with pytest.raises(BackupError, match=r"sales\.order\.csv: changed since the backup"):
        backup_restore(tmp_path / "b")
    assert Customer.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_bad_value_names_its_file_and_line_and_writes_nothing(tmp_path):
    business()
    backup_write(tmp_path / "b")
    emptied()
    folder = tmp_path / "b"
    orders = folder / "sales.order.csv"
    lines = orders.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")
    cells[header.index("ordered_at")] = "not a moment"
    lines[2] = ",".join(cells)
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rehash(folder, "sales.order.csv")
    with pytest.raises(BackupError, match=r"sales\.order\.csv, line 3"):
        backup_restore(folder)
    assert Customer.objects.count() == 0 and Order.objects.count() == 0


def rehash(folder: Path, name: str) -> None:
    import hashlib

    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["tables"]:
        if entry["file"] == name:
            entry["sha256"] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.django_db(transaction=True)
def test_the_commands_refuse_with_a_message_and_exit_2(tmp_path, capsys):
    assert main(["backup", str(tmp_path / "b")]) == 0
    assert main(["backup", str(tmp_path / "b")]) == 2
    assert "already holds a backup" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "nothing")]) == 2
    assert "not a Daur backup" in capsys.readouterr().err
    (tmp_path / "b" / "manifest.json").write_text("{not json", encoding="utf-8")
    assert main(["restore", str(tmp_path / "b")]) == 2
    assert "unreadable" in capsys.readouterr().err


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRESQL, reason="DAUR_TEST_DATABASE_URL is not set (no PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_a_backup_under_writes_is_one_snapshot(tmp_path):
    """A writer adds a customer and its order in one transaction, again and again, while the
    backup runs: the backup holds each order's customer and as many orders as customers."""
    stop = threading.Event()

    def write() -> None:
        n = 0
        try:
            while not stop.is_set():
                from django.db import transaction

                with transaction.atomic():
                    customer = Customer.objects.create(external_id=f"W{n}", name=f"W{n}")
                    order_make(customer, lines=0)
                n += 1
        finally:
            connection.close()

    for i in range(300):
        order_make(customer_make(f"Base {i}"), lines=0)
    writer = threading.Thread(target=write)
    writer.start()
    try:
        manifest = backup_write(tmp_path / "b")
    finally:
        stop.set()
        writer.join()
    rows = {t["model"]: t["rows"] for t in manifest["tables"]}
    assert rows["customers.customer"] == rows["sales.order"]
    assert Customer.objects.count() > rows["customers.customer"]  # the writer went on meanwhile
