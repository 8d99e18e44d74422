"""PostgreSQL only: a scoring run's stored parts and columns are kept uncompressed.

A range's kept columns (about 23 MB for 50,000 customers) and its parts for the merge (about
10 MB of text) are written once and read once or twice. PostgreSQL compresses such values by
default (pglz) on write and expands them on every read, which cost about half of the write
(0.6 -> 0.3 s a range, bench/README.md) for little space saved: floats and base64 hardly
compress. The state an incremental run keeps is stored the same way. The model state is
unchanged (a column's storage is not part of it)."""

from django.db import migrations

COLUMNS = (
    ("insights_scoringrangecolumn", "data"),
    ("insights_scoringstatecolumn", "data"),
    ("insights_scoringrange", "summary"),
    ("insights_scoringrange", "clv"),
    ("insights_scoringrange", "neighbourhood"),
)


def _storage(kind: str):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column in COLUMNS:
            schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE {kind}")

    return apply


class Migration(migrations.Migration):
    dependencies = [("insights", "0018_scoring_range_columns")]

    operations = [migrations.RunPython(_storage("EXTERNAL"), _storage("EXTENDED"))]
