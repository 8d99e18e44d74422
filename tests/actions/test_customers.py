"""daur.actions.customers: one atomic write per call, the role rule, the history's user, the
re-score once the write commits, and no silent overwrite of another person's change."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied

from daur.actions.customers import (
    CustomerChanged,
    customer_create,
    customer_update,
    customer_version,
)
from daur.customers.models import Customer
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return user_make("boss", role="manager", first_name="Budi")


def test_create_records_the_user_and_rescores_after_commit(boss, django_capture_on_commit_callbacks):
    with mock.patch("daur.insights.services.customers_rescore") as rescore:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            customer = customer_create(user=boss, values={"name": "Toko", "city": "Bandung"})
            assert rescore.call_count == 0  # not before the commit
        for callback in callbacks:
            callback()
    rescore.assert_called_once_with(customer_ids=[customer.pk])
    entry = customer.history.get()
    assert (entry.history_type, entry.history_user, entry.city) == ("+", boss, "Bandung")


def test_a_failure_inside_the_write_leaves_nothing_behind(boss):
    customer = customer_make("Toko", city="Bandung")
    entries = Customer.history.count()
    with (
        mock.patch(
            "daur.actions.customers.customers_rescore_on_commit", side_effect=RuntimeError("boom")
        ),
        pytest.raises(RuntimeError),
    ):
        customer_update(user=boss, customer_id=customer.pk, values={"city": "Bogor"})
    customer.refresh_from_db()
    assert customer.city == "Bandung"
    assert Customer.history.count() == entries


@pytest.mark.parametrize("role", ["marketer", "support_agent"])
def test_reading_roles_neither_create_nor_update(role):
    reader = user_make("reader", role=role)
    customer = customer_make("Toko")
    with pytest.raises(PermissionDenied):
        customer_create(user=reader, values={"name": "New"})
    with pytest.raises(Customer.DoesNotExist):
        customer_update(user=reader, customer_id=customer.pk, values={"name": "Changed"})
    assert list(Customer.objects.values_list("name", flat=True)) == ["Toko"]


def test_a_rep_updates_only_their_own_and_keeps_them(boss):
    rep, other = user_make("rep"), user_make("other")
    mine, theirs = customer_make("Mine", owner=rep), customer_make("Theirs", owner=other)
    with pytest.raises(Customer.DoesNotExist):
        customer_update(user=rep, customer_id=theirs.pk, values={"name": "Taken"})
    customer_update(user=rep, customer_id=mine.pk, values={"name": "Mine 2", "owner_id": other.pk})
    mine.refresh_from_db()
    assert (mine.name, mine.owner) == ("Mine 2", rep)
    assert customer_create(user=rep, values={"name": "New", "owner_id": other.pk}).owner == rep


def test_a_stale_version_is_a_conflict_and_the_current_one_wins(boss):
    customer = customer_make("Toko", city="Bandung")
    opened = customer_version(customer)
    customer_update(user=boss, customer_id=customer.pk, values={"city": "Bogor"}, version=opened)
    with pytest.raises(CustomerChanged) as raised:
        customer_update(user=boss, customer_id=customer.pk, values={"city": "Depok"}, version=opened)
    assert raised.value.customer.city == "Bogor"
    customer.refresh_from_db()
    assert customer.city == "Bogor"
    current = customer_version(customer)
    customer_update(user=boss, customer_id=customer.pk, values={"city": "Depok"}, version=current)
    customer.refresh_from_db()
    assert customer.city == "Depok"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_the_second_waits_for_the_first_and_is_refused():
    """Two people save the same customer at the same moment: the row lock makes the second wait
    until the first commits, then the second sees that the values it was opened with are gone."""
    import threading

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite serialises writers by locking the whole file")
    boss = user_make("boss", role="manager")
    customer = customer_make("Toko", city="Bandung")
    opened = customer_version(customer)
    first_holds, outcome = threading.Event(), {}

    def second() -> None:
        first_holds.wait()
        try:
            customer_update(
                user=boss, customer_id=customer.pk, values={"city": "Depok"}, version=opened
            )
            outcome["second"] = "saved"
        except CustomerChanged:
            outcome["second"] = "conflict"
        finally:
            connections.close_all()

    thread = threading.Thread(target=second)
    thread.start()
    with transaction.atomic():
        customer_update(user=boss, customer_id=customer.pk, values={"city": "Bogor"}, version=opened)
        first_holds.set()
        thread.join(timeout=1)
        assert thread.is_alive()  # the second save waits on the row lock
    thread.join(timeout=10)
    assert outcome == {"second": "conflict"}
    customer.refresh_from_db()
    assert customer.city == "Bogor"
