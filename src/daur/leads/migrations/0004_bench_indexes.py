"""Leads newest first, read in index order: the board's cards of a stage, the list of every
lead and of one owner's (100,000 open leads: a page instead of a sort of them all)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0003_lead_history'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(fields=['stage', '-created_at', '-id'], name='lead_stage_created_idx'),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(fields=['-created_at', '-id'], name='lead_created_idx'),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(fields=['owner', '-created_at', '-id'], name='lead_owner_created_idx'),
        ),
    ]
