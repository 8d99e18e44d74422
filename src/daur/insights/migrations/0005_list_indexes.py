"""The customer list's indexes on the scores, in this app's state (CustomerScore.Meta.indexes).

Web 0001 and 0003 created them until they became no-ops: a database migrated then has them
already, so they are created only where missing (`IF NOT EXISTS`, on SQLite and PostgreSQL).
"""

from django.db import migrations, models

INDEXES = {
    "score_clv_keyset_idx": ["clv_12m", "customer"],
    "score_p_alive_keyset_idx": ["p_alive", "customer"],
    "score_rfm_cell_clv_idx": ["rfm_r", "rfm_f", "clv_12m", "customer"],
}


def _column(field: str) -> str:
    return "customer_id" if field == "customer" else field


class Migration(migrations.Migration):
    dependencies = [("insights", "0004_dashboard_facts")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="customerscore", index=models.Index(fields=fields, name=name)
                )
                for name, fields in INDEXES.items()
            ],
            database_operations=[
                migrations.RunSQL(
                    f'CREATE INDEX IF NOT EXISTS "{name}" ON "insights_customerscore" '
                    f"({', '.join(_column(f) for f in fields)})",
                    reverse_sql=f'DROP INDEX IF EXISTS "{name}"',
                )
                for name, fields in INDEXES.items()
            ],
        ),
    ]
