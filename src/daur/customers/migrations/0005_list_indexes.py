"""The customer list's PostgreSQL indexes on customers: the case-insensitive prefix searches need
expression indexes with pattern operators, and a name prefix listed by name reads
(UPPER(name) COLLATE "C", id) in order (customers.search, NAME_KEY). Other databases need none.

Web 0001 and 0003 created them until they became no-ops: a database migrated then has them
already, so they are created only where missing.
"""

from django.db import migrations

POSTGRES = {
    "customer_name_upper_idx": "(UPPER(name::text) text_pattern_ops)",
    "customer_email_upper_idx": "(UPPER(email::text) text_pattern_ops)",
    "customer_phone_pattern_idx": "(phone text_pattern_ops)",
    "customer_name_key_idx": '((UPPER(name::text) COLLATE "C"), id)',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, columns in POSTGRES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer {columns}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in POSTGRES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_customer_history")]
    operations = [migrations.RunPython(create, drop)]
