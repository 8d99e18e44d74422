"""What insights took over from the web app: the dashboard's stored figures and the customer
list's indexes on the scores. Databases of every age end the same.

- DashboardFacts, by Django's pattern for moving a model between apps without touching its rows:
  the model's state is created here on the existing table (web 0002 created it), then the table
  takes this app's name; web 0004 drops the web app's state only.
- The indexes, now in CustomerScore.Meta.indexes: web 0001 and 0003 created them until they
  became no-ops, so a database migrated then has them already; they are created only where
  missing (`IF NOT EXISTS`, on SQLite and PostgreSQL).
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "score_clv_keyset_idx": ["clv_12m", "customer"],
    "score_p_alive_keyset_idx": ["p_alive", "customer"],
    "score_rfm_cell_clv_idx": ["rfm_r", "rfm_f", "clv_12m", "customer"],
}


def _column(field: str) -> str:
    return "customer_id" if field == "customer" else field


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0003_scoring_run_process"),
        ("web", "0002_dashboard_facts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DashboardFacts",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                                   serialize=False, verbose_name="ID")),
                        ("scope", models.CharField(max_length=32, verbose_name="scope")),
                        ("computed_at", models.DateTimeField(auto_now_add=True,
                                                             verbose_name="computed")),
                        ("seconds", models.FloatField(default=0, verbose_name="seconds")),
                        ("facts", models.JSONField(default=dict, verbose_name="figures")),
                        ("run", models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name="dashboard_facts", to="insights.scoringrun")),
                    ],
                    options={
                        "verbose_name": "dashboard figures",
                        "verbose_name_plural": "dashboard figures",
                        "db_table": "web_dashboardfacts",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("run", "scope"), name="dashboard_facts_scope_unique"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="dashboardfacts", table=None),
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
