"""Once the RFM cell and name key indexes; they now belong to the migrations of the apps owning
those tables (insights 0004, customers 0004), which create them where they are missing. Kept,
doing nothing, so that the migration history stays valid."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0002_dashboard_facts"),
        ("customers", "0002_list_created_order"),
    ]
    operations = []
