"""Test settings: fast hashers, in-memory mail; SQLite in memory unless DAUR_TEST_DATABASE_URL."""

import os

from daur.config.settings import *  # noqa: F403
from daur.config.settings import database_config

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"

_test_url = os.environ.get("DAUR_TEST_DATABASE_URL", "")
if _test_url:
    DATABASES = {"default": database_config(_test_url)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": ":memory:",
            "TEST": {"NAME": ":memory:"},
        }
    }

# The dashboard cache would carry numbers from one test to the next; its own test turns it on.
DAUR_DASHBOARD_CACHE_SECONDS = 0
DAUR_LEAD_FLOW_CACHE_SECONDS = 0
# django-axes stays on (the lock-out is tested); tests/web/conftest.py resets it between tests.
