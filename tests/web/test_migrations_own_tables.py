"""Each app's migrations touch only its own tables, and a database migrated before that ends like
a fresh one: the same indexes, and the dashboard's stored figures kept when their model moved
from the web app to insights."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from daur.insights.models import DashboardFacts

pytestmark = pytest.mark.django_db(transaction=True)

# The state before the move: web 0001 and 0003 still created the list's indexes, web owned
# DashboardFacts.
BEFORE = [
    ("web", "0003_score_first_indexes"),
    ("insights", "0003_scoring_run_process"),
    ("customers", "0003_name_trigram_index"),
]
# What web 0001 and 0003 ran on the other apps' tables until then.
OLD_WEB_INDEXES = [
    "CREATE INDEX IF NOT EXISTS score_clv_keyset_idx "
    "ON insights_customerscore (clv_12m, customer_id)",
    "CREATE INDEX IF NOT EXISTS score_p_alive_keyset_idx "
    "ON insights_customerscore (p_alive, customer_id)",
    "CREATE INDEX IF NOT EXISTS score_rfm_cell_clv_idx "
    "ON insights_customerscore (rfm_r, rfm_f, clv_12m, customer_id)",
]
OLD_WEB_POSTGRES_INDEXES = [
    "CREATE INDEX IF NOT EXISTS customer_name_upper_idx "
    "ON customers_customer (UPPER(name::text) text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS customer_email_upper_idx "
    "ON customers_customer (UPPER(email::text) text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS customer_phone_pattern_idx "
    "ON customers_customer (phone text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS customer_name_key_idx "
    'ON customers_customer ((UPPER(name::text) COLLATE "C"), id)',
]
LIST_INDEXES = {
    "score_clv_keyset_idx", "score_p_alive_keyset_idx", "score_rfm_cell_clv_idx",
}
POSTGRES_LIST_INDEXES = {
    "customer_name_upper_idx", "customer_email_upper_idx", "customer_phone_pattern_idx",
    "customer_name_key_idx", "customer_name_trgm_idx",
}


def _indexes() -> set[tuple[str, str, str]]:
    """(table, index, definition) of every index of the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema()"
            )
        else:
            cursor.execute(
                "SELECT tbl_name, name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index'"
            )
        # Compared without quotes and spaces: SQLite keeps each index's SQL as it was written.
        return {(table, name, re.sub(r'["\s]', "", sql)) for table, name, sql in cursor.fetchall()}


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def test_the_models_and_the_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_a_fresh_database_has_the_list_indexes_on_the_owning_apps_tables():
    names = {(table, name) for table, name, _ in _indexes()}
    wanted = {("insights_customerscore", name) for name in LIST_INDEXES}
    if connection.vendor == "postgresql":
        wanted |= {("customers_customer", name) for name in POSTGRES_LIST_INDEXES}
    assert wanted <= names
    assert "insights_dashboardfacts" in _tables() and "web_dashboardfacts" not in _tables()


def test_a_database_migrated_before_the_move_ends_like_a_fresh_one():
    fresh = _indexes()
    try:
        _migrate(BEFORE)
        # The database as the earlier version left it: the web app's indexes and its table
        with connection.cursor() as cursor:
            statements = OLD_WEB_INDEXES
            if connection.vendor == "postgresql":
                statements = statements + OLD_WEB_POSTGRES_INDEXES
            for sql in statements:
                cursor.execute(sql)
        assert "web_dashboardfacts" in _tables() and "insights_dashboardfacts" not in _tables()
        # The run as that version's model knew it (later columns are not there yet).
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        run = old.get_model("insights", "ScoringRun").objects.create(status="succeeded")
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO web_dashboardfacts (run_id, scope, computed_at, seconds, facts) "
                "VALUES (%s, 'all', CURRENT_TIMESTAMP, 1.5, %s)",
                [run.pk, '{"as_of": "2026-01-31", "figures": {"customers": 7}}'],
            )
    finally:
        _migrate(_latest())  # forward: the owning apps' migrations find their indexes there

    assert _indexes() == fresh
    assert "web_dashboardfacts" not in _tables()
    kept = DashboardFacts.objects.get(run_id=run.pk, scope=DashboardFacts.ALL)
    assert kept.facts["figures"]["customers"] == 7 and kept.seconds == 1.5
