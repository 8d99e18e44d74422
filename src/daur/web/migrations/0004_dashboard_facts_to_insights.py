"""The dashboard's stored figures belong to insights now (insights 0004 took the table over):
the web app forgets the model; the table and its rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0003_score_first_indexes"),
        ("insights", "0004_dashboard_facts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DashboardFacts")],
            database_operations=[],
        ),
    ]
