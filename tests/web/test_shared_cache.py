"""With Redis the web processes share one cache: sessions are read from it, the dashboard's
figures are computed once; without, sessions stay in the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings

from tests.web.factories import user_make

REDIS_URL = os.environ.get("DAUR_TEST_REDIS_URL", "")


def settings_with(**env: str) -> dict:
    """The cache and session settings a fresh process computes from this environment."""
    code = (
        "import json; from daur.config import settings as s; "
        "print(json.dumps({'cache': s.CACHES['default']['BACKEND'], "
        "'location': s.CACHES['default'].get('LOCATION', ''), 'session': s.SESSION_ENGINE}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("DAUR_REDIS_URL", "DAUR_CACHE_URL")}
    out = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_redis_makes_the_cache_shared_and_sessions_cached(tmp_path):
    alone = settings_with(DAUR_HOME=str(tmp_path))
    assert alone["cache"].endswith("LocMemCache")
    assert alone["session"] == "django.contrib.sessions.backends.db"
    shared = settings_with(DAUR_HOME=str(tmp_path), DAUR_REDIS_URL="redis://cache.internal:6379/0")
    assert shared["cache"].endswith("RedisCache")
    assert shared["location"] == "redis://cache.internal:6379/0"
    assert shared["session"] == "django.contrib.sessions.backends.cached_db"
    own = settings_with(
        DAUR_HOME=str(tmp_path), DAUR_REDIS_URL="redis://broker:6379/0",
        DAUR_CACHE_URL="redis://cache:6379/3",
    )
    assert own["location"] == "redis://cache:6379/3"


@pytest.mark.redis
@pytest.mark.django_db
@pytest.mark.skipif(not REDIS_URL, reason="DAUR_TEST_REDIS_URL is not set (no Redis here)")
def test_a_session_ended_in_one_process_is_ended_in_every_other():
    """Two clients with the same cookie stand for two web processes: after a logout through
    one, the other is sent to the login page (the session left the shared cache)."""
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "daur-test",
        },
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    with override_settings(CACHES=caches, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"):
        import redis

        store = redis.Redis.from_url(REDIS_URL)  # what any other process sees
        first = Client()
        first.force_login(user_make("boss", role="manager"))
        key = first.cookies["sessionid"].value
        entry = f"daur-test:1:django.contrib.sessions.cached_db{key}"
        assert store.exists(entry)
        second = Client()
        second.cookies["sessionid"] = key
        assert second.get("/customers/").status_code == 200
        first.post("/logout/")
        assert not store.exists(entry)
        response = second.get("/customers/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
