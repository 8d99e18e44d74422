"""The prepared reads (daur.db.prepared): the same rows as Django's cursor, a statement planned
once per connection on PostgreSQL, Django's own cursor when turned off or on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from daur.api.customers import ONE_CUSTOMER, READ_FIELDS
from daur.customers.models import Consumer, Customer
from daur.db.prepared import prepared_cursor
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db
SQL = "SELECT external_id, name, created_at FROM customers_customer WHERE external_id = %s"


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_rows_and_types_are_django_cursors_and_each_query_is_logged():
    made = customer_make("Łódź 🙂", created_at=datetime(2024, 3, 1, 9, 30, tzinfo=UTC))
    with connection.cursor() as cursor:
        cursor.execute(SQL, [made.external_id])
        expected = cursor.fetchall()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            with prepared_cursor() as cursor:
                cursor.execute(SQL, [made.external_id])
                assert cursor.fetchall() == expected
    if connection.vendor == "postgresql":  # an aware moment in the session's zone, as Django's
        assert expected[0][2] == made.created_at
    assert len(queries) == 3


def test_the_compiled_customer_read_gives_the_orm_values():
    owner = user_make("rep1")
    made = customer_make("Ana", owner=owner, custom_fields={"tier": "gold"})
    customer_make("Other")
    expected = [
        {**row, "has_consumers": False}
        for row in Customer.objects.filter(pk=made.pk).values(*READ_FIELDS)
    ]
    for _ in range(3):
        assert ONE_CUSTOMER.rows("all", ident=made.external_id, owner=owner.pk) == expected
        assert ONE_CUSTOMER.rows("own", ident=made.external_id, owner=owner.pk) == expected
        assert ONE_CUSTOMER.rows("own", ident=made.external_id, owner=owner.pk + 1) == []
    Consumer.objects.create(customer=made, name="Budi")
    assert ONE_CUSTOMER.rows("all", ident=made.external_id, owner=owner.pk) == [
        {**expected[0], "has_consumers": True}
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_postgresql_plans_the_statement_once_per_connection():
    made = customer_make("Ana")
    with prepared_cursor() as cursor:
        cursor.execute(SQL, [made.external_id])
    prepared = [s for s in _prepared_statements() if "FROM customers_customer WHERE" in s]
    assert len(prepared) == 1
    with prepared_cursor() as cursor:
        cursor.execute(SQL, ["none such"])
        assert cursor.fetchall() == []
    assert [s for s in _prepared_statements() if "FROM customers_customer WHERE" in s] == prepared
    with connection.cursor() as cursor:  # Django's cursors still bind on the client
        cursor.execute(SQL + " AND name <> %s", [made.external_id, "x"])
    assert not [s for s in _prepared_statements() if "name <>" in s]


def test_turned_off_it_is_djangos_cursor(settings):
    settings.DAUR_DB_PREPARED_READS = False
    made = customer_make("Ana")
    with prepared_cursor() as cursor:
        cursor.execute(SQL + " AND name = %s", [made.external_id, "Ana"])
        assert len(cursor.fetchall()) == 1
    if connection.vendor == "postgresql":
        assert not [s for s in _prepared_statements() if "name = " in s]


def test_a_compiled_read_names_its_columns_in_the_order_values_gave_them():
    """An annotation between two fields: each column keeps its own name (values() keeps the
    order it is given)."""
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from daur.db.compiled import CompiledValues

    made = customer_make("Ada")
    read = CompiledValues(
        lambda shape, pk: Customer.objects.filter(pk=pk).values(
            "external_id", label=Concat(Value("<"), F("name"), Value(">")), created=F("created_at")
        ).values("external_id", "label", "name", "created"),
        {"pk": -987654}, "test.order",
    )
    (row,) = read.rows("one", pk=made.pk)
    assert row == {"external_id": made.external_id, "label": "<Ada>", "name": "Ada",
                   "created": made.created_at}
