"""Production settings: HTTPS behind a proxy, the client's address for the lock-out, the
Content-Security-Policy that every page keeps, and a clean `check --deploy`."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import daur
from daur.config.settings import proxy_ssl_header
from tests.web.factories import customer_make, order_make, run_make, score_make, user_make

README = Path(__file__).resolve().parents[2] / "README.md"

# The production environment the README documents (its "Production" block).
PRODUCTION = {
    "DAUR_SECRET_KEY": secrets.token_urlsafe(50),
    "DAUR_ALLOWED_HOSTS": "crm.example.com",
    "DAUR_CSRF_TRUSTED_ORIGINS": "https://crm.example.com",
    "DAUR_SECURE_COOKIES": "true",
    "DAUR_SSL_REDIRECT": "true",
    "DAUR_HSTS_SECONDS": "31536000",
    "DAUR_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DAUR_HSTS_PRELOAD": "true",
    "DAUR_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "DAUR_FORWARDED_FOR_HEADER": "X-Forwarded-For",
}

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_check_deploy_is_clean_under_the_documented_production_environment(tmp_path):
    documented = README.read_text(encoding="utf-8")
    table = [line for line in documented.splitlines() if line.startswith("| `DAUR_")]
    for name in PRODUCTION:
        assert f"export {name}=" in documented, f"{name} is not in the README's production block"
        assert any(f"`{name}`" in row for row in table), f"{name} is not in the README's table"
    # Nothing of the test run's own environment (the browser tests allow async-unsafe calls).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DAUR_", "DJANGO_")) and k != "PYTHONPATH"
    }
    env.update(
        PRODUCTION,
        DAUR_HOME=str(tmp_path),
        DJANGO_SETTINGS_MODULE="daur.config.settings",
        PYTHONPATH=str(Path(daur.__file__).resolve().parents[1]),
    )
    command = [sys.executable, "-m", "daur.cli", "manage", "check", "--deploy"]
    run = subprocess.run(
        [*command, "--fail-level", "WARNING"], env=env, cwd=tmp_path, capture_output=True,
        text=True, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no issues" in run.stdout
    # And the check does see a laptop's settings as unfit for production.
    del env["DAUR_HSTS_SECONDS"], env["DAUR_SSL_REDIRECT"]
    laptop = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert "security.W004" in laptop.stderr + laptop.stdout
    assert "security.W008" in laptop.stderr + laptop.stdout


def test_the_proxy_ssl_header_setting():
    assert proxy_ssl_header("") is None
    assert proxy_ssl_header("X-Forwarded-Proto") == ("HTTP_X_FORWARDED_PROTO", "https")
    assert proxy_ssl_header("X-Forwarded-Ssl=on") == ("HTTP_X_FORWARDED_SSL", "on")


@pytest.mark.django_db
def test_behind_the_proxy_https_is_recognised_and_http_redirected(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = proxy_ssl_header("X-Forwarded-Proto")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    plain = client.get("/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/"
    secure = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=3600")


@pytest.mark.django_db
def test_behind_a_proxy_failed_logins_lock_out_one_address_not_everyone(
    client, settings, axes_reset
):
    settings.DAUR_FORWARDED_FOR_HEADER = "X-Forwarded-For"
    user_make("ani", role="manager")
    # Every request comes from the proxy (REMOTE_ADDR); the attacker also forges a header.
    attacker = {"X-Forwarded-For": "10.9.9.9, 203.0.113.5"}
    for _ in range(5):
        client.post("/login/", {"username": "ani", "password": "wrong"}, headers=attacker)
    locked = client.post("/login/", {"username": "ani", "password": "pw-ani"}, headers=attacker)
    assert locked.status_code in (403, 429)
    owner = {"X-Forwarded-For": "198.51.100.7"}
    response = client.post("/login/", {"username": "ani", "password": "pw-ani"}, headers=owner)
    assert response.status_code == 302 and response["Location"] == "/"
    # The forged part of the header is not the address: changing it does not escape the lock.
    forged = {"X-Forwarded-For": "10.1.1.1, 203.0.113.5"}
    client.logout()
    again = client.post("/login/", {"username": "ani", "password": "pw-ani"}, headers=forged)
    assert again.status_code in (403, 429)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "sales_rep", "marketer", "support_agent"])
def test_every_page_carries_the_csp_and_nothing_inline_it_would_block(client, role):
    user = user_make(f"u-{role}", role=role)
    run = run_make()
    customer = customer_make("Ani", owner=user)
    score_make(customer, stage="retention", r=5, f=4, run=run)
    order_make(customer)
    pages = ["/", "/customers/", f"/customers/{customer.pk}/",
             f"/customers/{customer.pk}/timeline/", "/customers/?stage=retention",
             "/customers/999999/", "/model/"]
    client.force_login(user)
    responses = {url: client.get(url) for url in pages}
    client.logout()
    responses["/login/"] = client.get("/login/")
    for url, response in responses.items():
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        body = response.content.decode()
        assert not INLINE_SCRIPT.search(body), (url, INLINE_SCRIPT.search(body))
        assert not INLINE_STYLE.search(body), (url, INLINE_STYLE.search(body))
        assert not EVENT_HANDLER.search(body), (url, EVENT_HANDLER.search(body))
