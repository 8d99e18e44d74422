"""The mail tests' SMTP server, and Django's SMTP backend pointed at it."""

from __future__ import annotations

import pytest

from tests.mail.smtp_sink import smtp_start


@pytest.fixture
def smtp(settings):
    controller, sink = smtp_start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.DAUR_BASE_URL = "https://crm.example.com"
    yield sink
    controller.stop()
