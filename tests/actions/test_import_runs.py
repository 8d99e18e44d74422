"""Each import is recorded with how it ended, a failed one included (its record survives the
rolled-back import), and the admin lists them read-only."""

from __future__ import annotations

import pytest

from daur.actions.interchange import file_import
from daur.customers.models import Customer
from daur.interchange.models import ImportRun
from daur.interchange.outcome import ImportFailed
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_successful_import_is_recorded_with_its_counts(write_csv):
    path = write_csv("c.csv", "customer_id,name\nC1,Ani\nC2,Budi\n")
    file_import(kind="customers", path=path)
    file_import(kind="customers", path=path)
    first, second = ImportRun.objects.order_by("id")
    assert (first.status, first.rows, first.created, first.unchanged) == ("succeeded", 2, 2, 0)
    assert (second.created, second.unchanged) == (0, 2)
    assert second.finished_at >= second.started_at and "customers" in second.report


def test_a_failed_import_leaves_its_record_and_nothing_else(write_csv):
    path = write_csv("bad.csv", "customer_id,name\nC1,Ani\nC2,\n")
    with pytest.raises(ImportFailed):
        file_import(kind="customers", path=path)
    run = ImportRun.objects.get()
    assert run.status == "failed" and "line 3, column name" in run.report
    assert Customer.objects.count() == 0


def test_the_admin_lists_imports_and_offers_no_edit(client, write_csv):
    file_import(kind="customers", path=write_csv("c.csv", "customer_id,name\nC1,Ani\n"))
    admin = user_make("root-imports", role="admin", is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/interchange/importrun/")
    assert listing.status_code == 200 and b"c.csv" in listing.content
    assert client.get("/admin/interchange/importrun/add/").status_code == 403
