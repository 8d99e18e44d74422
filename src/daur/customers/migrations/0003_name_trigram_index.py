"""A trigram index on the upper-case name (PostgreSQL only): the list's name search finds a word
anywhere in a name (`UPPER(name) LIKE '% PUTRA%'`), which no B-tree can serve.

The extension comes from Django's TrigramExtension (a no-op on other databases); SQLite scans
its names, which at its sizes costs milliseconds.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "customer_name_trgm_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer "
            "USING gin (UPPER(name::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_list_created_order")]
    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
