"""Once the customer list's indexes on the scores and the customers; they now belong to the
migrations of the apps owning those tables (insights 0004, customers 0003 and 0004), which create
them where they are missing. Kept, doing nothing, so that the migration history stays valid."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_list_created_order"),
        ("insights", "0001_initial"),
    ]
    operations = []
