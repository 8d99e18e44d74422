"""The Celery application: scoring, imports and sends run here in production."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daur.config.settings")

app = Celery("daur")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["daur.interchange"])
