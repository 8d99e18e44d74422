"""On PostgreSQL a batch run swaps in a freshly built score table: same schema, same answers."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import IntegrityError, connection, transaction

from daur.customers.models import Customer
from daur.db import shadow
from daur.demo.load import demo_load
from daur.insights.alerts_history import fetch_orders, history_of
from daur.insights.models import Alert, CustomerScore, DashboardFacts, ScoringRun
from daur.insights.services import scores_compute
from daur.jobs import run_followups
from daur.sales.models import Order

from .factories import order

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]
TABLE = CustomerScore._meta.db_table


def _schema() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass ORDER BY 1",
            [TABLE, TABLE],
        )
        return cursor.fetchall()


def _scores() -> list[tuple]:
    return list(
        CustomerScore.objects.order_by("customer_id").values_list(
            "customer_id", "lifecycle_stage", "types", "rfm_segment", "clv_12m", "strategy"
        )
    )


def test_a_rerun_swaps_in_the_same_table_with_the_same_scores():
    demo_load(customers=150, seed=5)
    before_schema = _schema()
    first = scores_compute()
    first_scores = _scores()
    assert _schema() == before_schema
    assert len(first_scores) == first.n_customers > 0

    second = scores_compute()
    assert _schema() == before_schema
    assert _scores() == first_scores
    assert set(CustomerScore.objects.values_list("run_id", flat=True)) == {second.pk}
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE %s", ["insights%\\_shadow"])
        assert cursor.fetchall() == []

    # The foreign keys came back enforced.
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerScore.objects.filter(customer_id=first_scores[0][0]).update(customer_id=10**12)


def test_a_failure_while_loading_keeps_the_old_table():
    demo_load(customers=60, seed=6)
    scores_compute()
    kept = _scores()
    schema = _schema()

    def load(name: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'INSERT INTO "{name}" (customer_id) VALUES (1)')  # NOT NULL columns

    with pytest.raises(IntegrityError), transaction.atomic():
        shadow.table_replace(TABLE, load)
    assert _scores() == kept
    assert _schema() == schema


def test_the_followups_of_a_run_store_the_dashboard_figures_and_the_alerts():
    demo_load(customers=150, seed=5)
    run = scores_compute()
    facts, alerts = run_followups(run)
    assert run.status == ScoringRun.Status.SUCCEEDED
    assert ScoringRun.objects.get(pk=run.pk).status == ScoringRun.Status.SUCCEEDED
    assert facts.run_id == run.pk
    assert DashboardFacts.objects.filter(run=run, scope=DashboardFacts.ALL).exists()
    assert len(alerts) == Alert.objects.filter(run=run).count()


def test_the_orders_scoring_read_are_the_alerts_history(settings):
    settings.TIME_ZONE = "Asia/Jakarta"  # late-evening UTC orders fall on the next local day
    demo_load(customers=150, seed=5)
    someone = Customer.objects.order_by("id").first()
    order(someone, "2026-10-20", -125000.0, hour=20)  # a refund, late in the UTC evening
    order(someone, "2026-10-21", 310.5, currency="EUR", hour=23)
    run = scores_compute()
    assert run.order_rows is not None
    reused, read = history_of(run.order_rows), history_of(fetch_orders(run.as_of))
    np.testing.assert_array_equal(reused.customer_pks, read.customer_pks)
    # The same rows; within a day their order is the table's or the index's (sums ignore it).
    np.testing.assert_array_equal(_rows(reused), _rows(read))
    assert len(read.day) == Order.objects.filter(ordered_at__date__lte=run.as_of).count()


def _rows(history) -> np.ndarray:
    rows = np.column_stack(
        (history.day, history.customer, history.purchases, history.spend)
    )
    return rows[np.lexsort(rows.T[::-1])]


def test_the_swapped_table_keeps_the_value_at_stake_a_generated_column():
    from daur.definitions.worklist import customer_at_stake

    demo_load(customers=80, seed=3)
    scores_compute()
    scores_compute()  # the second run swaps a shadow table in
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attgenerated FROM pg_attribute WHERE attrelid = %s::regclass"
            " AND attname = 'value_at_stake'",
            [TABLE],
        )
        assert cursor.fetchone() == ("s",)
    rows = CustomerScore.objects.values_list("clv_12m", "p_alive", "value_at_stake")
    assert rows and all(
        stake == pytest.approx(customer_at_stake(clv, p)) for clv, p, stake in rows
    )
    score = CustomerScore.objects.exclude(clv_12m=None).first()
    CustomerScore.objects.filter(pk=score.pk).update(clv_12m=1000.0, p_alive=0.25)
    score.refresh_from_db()
    assert score.value_at_stake == pytest.approx(750.0)  # the database keeps it current


def test_a_copy_built_beside_the_table_and_then_swapped_keeps_its_schema_and_rules():
    """A distributed run's copy: filled and committed, its indexes built several at once on
    connections of their own (`table_build`), then only renamed by the swap."""
    demo_load(customers=150, seed=5)
    scores_compute()
    schema, kept = _schema(), _scores()
    name = shadow.table_prepare(TABLE)
    with connection.cursor() as cursor:
        columns = ", ".join(
            f'"{f.column}"' for f in CustomerScore._meta.concrete_fields if not f.generated
        )
        cursor.execute(f'INSERT INTO "{name}" ({columns}) SELECT {columns} FROM "{TABLE}"')
    shadow.table_build(TABLE, connections=3)
    with pytest.raises(RuntimeError), transaction.atomic():
        shadow.table_build(TABLE)  # never inside a transaction: the copy is committed
    with transaction.atomic():
        shadow.table_swap(TABLE, built=True)
    assert _schema() == schema  # the same indexes and constraints, by the same names
    assert _scores() == kept
    with pytest.raises(IntegrityError), transaction.atomic():  # the unique key enforced
        cursor = connection.cursor()
        cursor.execute(f'INSERT INTO "{TABLE}" ({columns}) SELECT {columns} FROM "{TABLE}" LIMIT 1')
    with pytest.raises(IntegrityError), transaction.atomic():  # and the foreign key
        CustomerScore.objects.filter(customer_id=kept[0][0]).update(customer_id=10**12)
