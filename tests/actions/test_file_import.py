"""The import action: the rows all written or none, then one re-score of the customers they
touched after the commit (real time only for a few; none before the first scoring run)."""

from __future__ import annotations

import pytest
from django.db import transaction

from daur.actions import interchange
from daur.actions.interchange import file_import
from daur.interchange.outcome import ImportFailed
from daur.sales.models import Order
from tests.web.factories import customer_make, run_make

from .conftest import Boom

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_customers_orders(write_csv):
    first, second = customer_make(), customer_make()
    rows = [f"X-{n},{who.external_id},2025-06-0{n},100000" for n, who in
            enumerate([first, second, first], start=1)]
    path = write_csv("orders.csv", "order_id,customer_id,ordered_at,amount\n" + "\n".join(rows))
    return path, sorted([first.pk, second.pk])


def test_an_import_rescores_the_customers_it_touched_once_after_the_commit(
    rescored, two_customers_orders
):
    path, customers = two_customers_orders
    run_make()
    with transaction.atomic():
        result = file_import(kind="orders", path=path)
        assert rescored == []
    assert rescored == [customers]
    assert result.report().endswith("Re-scored 2 customers with the last fit.")
    assert Order.objects.count() == 3


def test_before_the_first_scoring_run_an_import_rescores_no_one(rescored, two_customers_orders):
    path, _ = two_customers_orders
    result = file_import(kind="orders", path=path)
    assert rescored == [] and result.customers == [] and "Re-scored" not in result.report()
    assert Order.objects.count() == 3


def test_a_dry_run_rescores_no_one(rescored, two_customers_orders):
    path, _ = two_customers_orders
    run_make()
    result = file_import(kind="orders", path=path, dry_run=True)
    assert rescored == [] and result.created == 3
    assert not Order.objects.exists()


def test_an_import_touching_too_many_customers_leaves_them_to_the_next_run(
    rescored, two_customers_orders, monkeypatch
):
    path, _ = two_customers_orders
    run_make()
    monkeypatch.setattr(interchange, "REALTIME_LIMIT", 1)
    result = file_import(kind="orders", path=path)
    assert rescored == []
    assert "More than 1 customers changed: run `daur score`" in result.report()
    assert Order.objects.count() == 3


def test_a_failed_import_writes_and_rescores_nothing(rescored, write_csv):
    customer = customer_make()
    run_make()
    path = write_csv(
        "orders.csv",
        f"order_id,customer_id,ordered_at,amount\nY-1,{customer.external_id},2025-06-01,1\n"
        "Y-2,NO-SUCH,2025-06-01,1\n",
    )
    with pytest.raises(ImportFailed):
        file_import(kind="orders", path=path)
    assert rescored == [] and not Order.objects.exists()


def test_an_import_failing_after_its_writes_leaves_nothing_written(
    rescored, two_customers_orders, monkeypatch
):
    path, _ = two_customers_orders
    run_make()

    def fail(**kwargs):  # noqa: ANN003, ANN202
        raise Boom

    monkeypatch.setattr(interchange, "customers_rescore_on_commit", fail)
    with pytest.raises(Boom):
        file_import(kind="orders", path=path)
    assert rescored == [] and not Order.objects.exists()
