"""Indexes that let the list's filters read a page from one index range.

An RFM cell (R, F) ordered by CLV reads its first page straight from (rfm_r, rfm_f, clv_12m,
customer_id), however small the cell; the other score filters walk score_clv_keyset_idx and
stop after a page. On PostgreSQL a name prefix listed by name reads (UPPER(name) COLLATE "C",
id) in order (customers.selectors.NAME_KEY): the LIKE prefix becomes a range of that index.
"""

from django.db import migrations

INDEXES = [
    (
        "score_rfm_cell_clv_idx",
        "CREATE INDEX IF NOT EXISTS score_rfm_cell_clv_idx "
        "ON insights_customerscore (rfm_r, rfm_f, clv_12m, customer_id)",
    ),
]
POSTGRES = [
    (
        "customer_name_key_idx",
        "CREATE INDEX IF NOT EXISTS customer_name_key_idx "
        'ON customers_customer ((UPPER(name::text) COLLATE "C"), id)',
    ),
]


def create(apps, schema_editor):
    statements = INDEXES + (POSTGRES if schema_editor.connection.vendor == "postgresql" else [])
    for _, sql in statements:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    for name, _ in INDEXES + POSTGRES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0002_dashboard_facts"),
        ("customers", "0002_list_created_order"),
    ]
    operations = [migrations.RunPython(create, drop)]
