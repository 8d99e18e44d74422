"""Every endpoint with every role: what each may read and write, and a sales rep's token on
another rep's customer or lead always a 404, as the pages answer."""

from __future__ import annotations

import pytest

from daur.actions.servicedesk import ticket_open
from tests.api.conftest import api_client
from tests.leads.factories import lead_make
from tests.web.factories import customer_make, order_make, product_make

pytestmark = pytest.mark.django_db
ROLES = ("admin", "manager", "sales_rep", "marketer", "support_agent")


@pytest.fixture
def world(db):
    """A rep who owns a customer and a lead, and another rep's customer and lead."""
    owner = api_client("owner", "sales_rep")
    other = api_client("stranger", "sales_rep")
    product_make("TEA")
    mine, theirs = customer_make("Mine", owner=owner.user), customer_make("Theirs",
                                                                         owner=other.user)
    order_make(mine)
    order_make(theirs)
    ticket_open(customer=theirs, kind="request", external_id="T-9")
    return {
        "ticket": "T-9",
        "owner": owner,
        "customer": theirs.external_id,
        "lead": lead_make("Theirs", owner=other.user, stage="won").external_id,
        "order": theirs.orders.get().external_id,
    }


def _client(world, role: str):  # noqa: ANN001, ANN202
    if role == "sales_rep":
        return world["owner"]
    return api_client(f"u-{role}", role, is_superuser=role in ("admin", "manager"))


# (method, path, body, {role: status}); a missing role answers like "*".
READS = [
    ("GET", "/customers/{customer}", None, {"sales_rep": 404, "*": 200}),
    ("GET", "/customers/{customer}/score", None, {"*": 404}),  # not scored: for all a 404
    ("GET", "/orders/{order}", None, {"sales_rep": 404, "*": 200}),
    ("GET", "/leads/{lead}", None, {"sales_rep": 404, "support_agent": 404, "*": 200}),
    ("GET", "/leads/{lead}/activities", None,
     {"sales_rep": 404, "support_agent": 404, "*": 200}),
    ("GET", "/kpis", None, {"sales_rep": 403, "*": 200}),
    ("GET", "/alerts", None, {"*": 200}),
    ("GET", "/lead-scores", None, {"*": 200}),
    ("GET", "/segments", None, {"support_agent": 403, "*": 200}),
    ("GET", "/products/TEA", None, {"*": 200}),
    ("GET", "/customers/{customer}/consumers", None, {"sales_rep": 404, "*": 200}),
    ("GET", "/campaigns", None, {"*": 200}),
    ("GET", "/tickets/{ticket}/messages", None, {"sales_rep": 404, "*": 200}),
]
WRITES = [
    ("PATCH", "/customers/{customer}", {"city": "Solo"},
     {"sales_rep": 404, "marketer": 403, "support_agent": 403, "*": 200}),
    ("POST", "/customers", {"name": "New"}, {"marketer": 403, "support_agent": 403, "*": 201}),
    ("POST", "/customers/{customer}/merge", {"duplicates": ["NOPE"]},
     {"admin": 422, "manager": 422, "*": 404}),
    ("POST", "/leads/{lead}/stage", {"to_stage": "lost", "expected_stage": "won",
                                    "lost_reason": "price"},
     {"admin": 200, "manager": 200, "marketer": 403, "*": 404}),
    ("POST", "/leads/{lead}/activities", {"kind": "call"},
     {"admin": 201, "manager": 201, "marketer": 403, "*": 404}),
    ("POST", "/products", {"sku": "NEW", "name": "N", "category": "c"},
     {"admin": 201, "manager": 201, "*": 403}),
    ("POST", "/customers/bulk", {"records": [{"customer_id": "B1", "name": "B"}]},
     {"admin": 200, "manager": 200, "*": 403}),
    ("POST", "/segments", {"name": "S", "query": ""},
     {"sales_rep": 403, "support_agent": 403, "*": 201}),
    ("POST", "/customers/{customer}/consumers", {"name": "Kid"},
     {"sales_rep": 404, "marketer": 403, "support_agent": 403, "*": 201}),
    ("POST", "/campaigns", {"name": "C", "segment_id": 999999, "offer": "newsletter"},
     {"admin": 422, "manager": 422, "marketer": 422, "*": 403}),
    ("POST", "/tickets/{ticket}/reply", {"body": "Hello", "kind": "note"},
     {"sales_rep": 404, "marketer": 403, "*": 201}),
    ("POST", "/tickets/{ticket}/status", {"status": "waiting"},
     {"sales_rep": 404, "marketer": 403, "*": 200}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "expected"), READS + WRITES,
                         ids=[f"{m} {p}" for m, p, _, _ in READS + WRITES])
def test_each_role_gets_what_the_pages_give(world, role, method, path, body, expected):
    api = _client(world, role)
    url = path.format(**world)
    response = api.get(url) if method == "GET" else api.send(method, url, body)
    assert response.status_code == expected.get(role, expected["*"]), response.content[:300]
