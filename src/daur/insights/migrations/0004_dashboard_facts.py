"""The dashboard's stored figures move from the web app to insights, which computes them.

Django's pattern for moving a model between apps without touching its rows: the model's state is
created here on the existing table (web 0002 created it), then the table takes this app's name;
web 0004 drops the web app's state only. Databases of every age end the same.
"""

import django.db.models.deletion
from django.db import migrations, models


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
    ]
