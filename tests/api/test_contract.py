"""Contract tests: schemathesis generates requests for every operation of the live OpenAPI schema
and sends each with a manager's and a sales rep's token; no answer may be a server error, carry
an undocumented status, or break the schema. Bounded (few examples an operation) to stay fast."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from daur.accounts.tokens import token_create
from daur.actions.campaigns import campaign_create
from daur.actions.segments import segment_create
from daur.customers.models import Consumer
from tests.web.factories import customer_make, order_make, product_make, user_make

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def tokens(db, keep_connection) -> list[str]:
    manager = user_make("boss", role="manager", is_superuser=True)
    rep = user_make("rep1", role="sales_rep")
    for owner in (rep, None):
        customer = customer_make(owner=owner)
        product_make()
        order_make(customer)
    # Small ids the generator tries first: a segment with a draft campaign, a consumer.
    segment = segment_create(name="Everyone", query="")
    campaign_create(name="Hello", segment=segment, offer="newsletter")
    Consumer.objects.create(customer=customer, name="Kid")
    return [token_create(user=user).secret for user in (manager, rep)]


@schema.parametrize()
@settings(
    # A few examples an operation keeps CI fast; DAUR_CONTRACT_EXAMPLES=50 searches harder.
    max_examples=int(os.environ.get("DAUR_CONTRACT_EXAMPLES", "3")),
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(case, tokens):
    for secret in tokens:
        response = case.call(headers={"Authorization": f"Bearer {secret}"})
        case.validate_response(response, checks=CHECKS)
