"""The Celery application: scoring, imports and sends run here in production."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daur.config.settings")

# The tasks are the jobs' entry points (daur.jobs): a worker imports them when it starts.
app = Celery("daur", include=["daur.jobs"])
app.config_from_object("django.conf:settings", namespace="CELERY")
