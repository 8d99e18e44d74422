"""The README's httpx example, run as written against the application: it creates a customer,
posts a batch of orders with an Idempotency-Key and reads the customer's score."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from django.core.wsgi import get_wsgi_application

from daur.accounts.tokens import token_create
from daur.sales.models import Order
from tests.web.factories import product_make, run_make, score_make, user_make

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    section = README.read_text(encoding="utf-8").split("## API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_ingests_orders_idempotently_and_reads_the_score(
    monkeypatch, capsys, keep_connection
):
    secret = token_create(user=user_make("boss", role="manager")).secret
    product_make("TEA-1")
    app = get_wsgi_application()

    class Local(httpx.Client):
        def __init__(self, **kwargs) -> None:  # noqa: ANN003
            kwargs["base_url"] = str(kwargs["base_url"]).replace("localhost:8000", "testserver")
            kwargs["headers"] = {"Authorization": f"Bearer {secret}"}
            super().__init__(transport=httpx.WSGITransport(app=app), **kwargs)

    monkeypatch.setattr(httpx, "Client", Local)
    code = _example()
    exec(compile(code, "README example", "exec"), {})
    assert "'created': 1" in capsys.readouterr().out
    assert Order.objects.get(external_id="SO-1").lines.count() == 1
    from daur.customers.models import Customer

    score_make(Customer.objects.get(external_id="C-1001"), run=run_make())
    namespace: dict = {}
    exec(compile(code.replace('"C-1001", "name"', '"C-1002", "name"'), "again", "exec"),
         namespace)
    out = capsys.readouterr().out
    assert "'created': 0" in out and "'unchanged': 1" in out  # the batch again: an upsert
    assert "retention" in out  # the score read
    assert Order.objects.count() == 1
