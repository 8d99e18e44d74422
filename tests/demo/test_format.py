"""The demo files follow the interchange contract: headers, formats, value sets, references."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from daur.demo.generate import DEMO_USERS, HEADERS, generate_business
from daur.demo.timeline import END_DATE
from daur.vocabulary import (
    ACQUISITION_CHANNELS,
    CAMPAIGN_PURPOSES,
    CUSTOMER_KINDS,
    INTERACTION_KINDS,
    INTERCHANGE_KINDS,
    LEAD_LOST_REASONS,
    LEAD_STAGES,
    PRODUCT_TIERS,
    RELATIONSHIPS,
    TICKET_KINDS,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    USER_ROLES,
)

from .behaviour import read_business

SPEC_COLUMNS = {
    "customers": "customer_id name kind relationship email phone country city industry "
    "acquired_via campaign_id referred_by created_at",
    "products": "sku name category tier price unit_cost launched_on",
    "orders": "order_id customer_id ordered_at amount currency discount_amount coupon_code "
    "channel reseller_id",
    "order_lines": "order_id sku quantity unit_price discount_amount",
    "interactions": "customer_id lead_id kind occurred_at channel user note",
    "tickets": "ticket_id customer_id kind opened_at first_response_at resolved_at status "
    "accepted satisfaction",
    "surveys": "customer_id answered_at nps comment",
    "campaigns": "campaign_id name channel purpose cost started_on ended_on",
    "leads": "lead_id name source campaign_id created_at stage owner email company "
    "converted_customer_id converted_at",
}
EXTENSIONS = {
    "customers": ["owner"],
    "tickets": ["priority"],
    "leads": ["expected_value", "lost_reason"],
}
END = dt.datetime.combine(END_DATE, dt.time(23, 59, 59), tzinfo=dt.timezone(dt.timedelta(hours=7)))


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def digest(directory) -> dict[str, str]:
    return {
        k: hashlib.sha256((directory / f"{k}.csv").read_bytes()).hexdigest()
        for k in INTERCHANGE_KINDS
    }


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    counts = generate_business(customers=300, seed=11, directory=tmp_path / "a")
    generate_business(customers=300, seed=11, directory=tmp_path / "b")
    generate_business(customers=300, seed=12, directory=tmp_path / "c")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a")["orders"] != digest(tmp_path / "c")["orders"]
    assert set(counts) == set(INTERCHANGE_KINDS)


def test_headers_are_the_spec_columns_then_the_documented_extensions(business_dir):
    for kind in INTERCHANGE_KINDS:
        with open(business_dir / f"{kind}.csv", newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header == SPEC_COLUMNS[kind].split() + EXTENSIONS.get(kind, [])
        assert tuple(header) == HEADERS[kind]


def test_demo_users_cover_the_roles():
    assert {role for _, role, _, _ in DEMO_USERS} <= set(USER_ROLES)
    assert [u[0] for u in DEMO_USERS] == [
        "demo",
        "demo-admin",
        "demo-rep",
        "demo-rep2",
        "demo-rep3",
        "demo-marketer",
        "demo-support",
    ]


def test_values_come_from_the_vocabulary(business):
    users = {u[0] for u in DEMO_USERS}
    for row in business["customers"]:
        assert row["kind"] in CUSTOMER_KINDS and row["relationship"] in RELATIONSHIPS
        assert row["acquired_via"] in ACQUISITION_CHANNELS + ("",)
        assert row["owner"] in users | {""}
        if row["owner"]:
            assert row["kind"] == "organization"
    assert {r["tier"] for r in business["products"]} == set(PRODUCT_TIERS)
    for row in business["interactions"]:
        assert row["kind"] in INTERACTION_KINDS and row["user"] in users | {""}
    for row in business["tickets"]:
        assert row["kind"] in TICKET_KINDS and row["status"] in TICKET_STATUSES
        assert row["priority"] in TICKET_PRIORITIES
        assert row["accepted"] in (("true", "false") if row["kind"] == "suggestion" else ("",))
        assert row["satisfaction"] in ("", "1", "2", "3", "4", "5")
    for row in business["campaigns"]:
        assert row["channel"] in ACQUISITION_CHANNELS and row["purpose"] in CAMPAIGN_PURPOSES
    assert {r["purpose"] for r in business["campaigns"]} == set(CAMPAIGN_PURPOSES)
    for row in business["leads"]:
        assert row["source"] in ACQUISITION_CHANNELS and row["stage"] in LEAD_STAGES
        assert row["owner"] in users | {""}
        assert (row["lost_reason"] in LEAD_LOST_REASONS) == (row["stage"] == "lost")
        assert row["lost_reason"] == "" or row["stage"] == "lost"
    assert {r["source"] for r in business["leads"]} == set(ACQUISITION_CHANNELS)
    assert {r["stage"] for r in business["leads"]} == set(LEAD_STAGES)
    assert {r["kind"] for r in business["tickets"]} == set(TICKET_KINDS)
    assert {r["currency"] for r in business["orders"]} == {"IDR", "EUR"}


def test_references_resolve(business):
    customers = {r["customer_id"]: r for r in business["customers"]}
    campaigns = {r["campaign_id"] for r in business["campaigns"]}
    skus = {r["sku"] for r in business["products"]}
    leads = {r["lead_id"] for r in business["leads"]}
    orders = {r["order_id"]: r for r in business["orders"]}
    assert len(orders) == len(business["orders"])
    for row in business["orders"]:
        assert row["customer_id"] in customers
        if row["reseller_id"]:
            assert customers[row["reseller_id"]]["relationship"] == "intermediary"
    pairs = Counter((r["order_id"], r["sku"]) for r in business["order_lines"])
    assert max(pairs.values()) == 1
    for row in business["order_lines"]:
        assert row["order_id"] in orders and row["sku"] in skus
    for row in business["interactions"]:
        assert bool(row["customer_id"]) != bool(row["lead_id"])
        assert row["customer_id"] in customers or row["lead_id"] in leads
    for kind in ("tickets", "surveys"):
        assert all(r["customer_id"] in customers for r in business[kind])
    for row in business["customers"]:
        assert row["campaign_id"] == "" or row["campaign_id"] in campaigns
        assert row["referred_by"] in customers or row["referred_by"] == ""
        assert row["referred_by"] != row["customer_id"]
    for row in business["leads"]:
        assert row["campaign_id"] == "" or row["campaign_id"] in campaigns
        if row["stage"] == "won":
            customer = customers[row["converted_customer_id"]]
            assert row["converted_at"] and moment(row["converted_at"]) >= moment(row["created_at"])
            assert customer["acquired_via"] == row["source"]
            assert customer["campaign_id"] == row["campaign_id"]
        else:
            assert row["converted_customer_id"] == "" and row["converted_at"] == ""


def test_order_amounts_add_up(business):
    lines = defaultdict(list)
    for row in business["order_lines"]:
        lines[row["order_id"]].append(row)
        assert int(row["quantity"]) >= 1
        assert Decimal(row["discount_amount"]) >= 0
    for row in business["orders"]:
        own = lines[row["order_id"]]
        assert own, row
        gross = sum(int(r["quantity"]) * Decimal(r["unit_price"]) for r in own)
        discount = sum(Decimal(r["discount_amount"]) for r in own)
        assert Decimal(row["discount_amount"]) == discount
        assert Decimal(row["amount"]) == gross - discount > 0


def test_times_are_ordered_unique_and_not_after_the_end(business):
    for row in business["tickets"]:
        opened = moment(row["opened_at"])
        if row["first_response_at"]:
            assert moment(row["first_response_at"]) >= opened
        if row["resolved_at"]:
            assert moment(row["resolved_at"]) >= moment(row["first_response_at"])
        assert row["resolved_at"] or row["status"] not in ("resolved", "closed")
    assert all(0 <= int(r["nps"]) <= 10 for r in business["surveys"])
    assert len({(r["customer_id"], r["answered_at"]) for r in business["surveys"]}) == len(
        business["surveys"]
    )
    keys = {
        (r["customer_id"] or r["lead_id"], r["kind"], r["occurred_at"])
        for r in business["interactions"]
    }
    assert len(keys) == len(business["interactions"])
    stamps = (
        [r["ordered_at"] for r in business["orders"]]
        + [r["occurred_at"] for r in business["interactions"]]
        + [
            r[k]
            for r in business["tickets"]
            for k in ("opened_at", "first_response_at", "resolved_at")
            if r[k]
        ]
        + [r["answered_at"] for r in business["surveys"]]
        + [r["created_at"] for r in business["customers"]]
        + [r[k] for r in business["leads"] for k in ("created_at", "converted_at") if r[k]]
    )
    assert max(moment(s) for s in stamps) <= END
    dates = [r["launched_on"] for r in business["products"]] + [
        r[k] for r in business["campaigns"] for k in ("started_on", "ended_on")
    ]
    assert max(dt.date.fromisoformat(d) for d in dates) <= END_DATE


def test_customers_are_created_before_they_act(business):
    created = {r["customer_id"]: moment(r["created_at"]) for r in business["customers"]}
    for row in business["orders"]:
        assert moment(row["ordered_at"]) >= created[row["customer_id"]]


def test_the_default_business_sells_through_resellers(business):
    assert len(business["customers"]) == 2000
    assert any(r["reseller_id"] for r in business["orders"])


@pytest.mark.parametrize("customers", [1, 12, 50])
def test_tiny_businesses_keep_the_contract(tmp_path, customers):
    generate_business(customers=customers, seed=customers, directory=tmp_path)
    tables = read_business(tmp_path)
    assert len(tables["customers"]) == customers
    test_references_resolve(tables)
    test_order_amounts_add_up(tables)
    test_times_are_ordered_unique_and_not_after_the_end(tables)
    test_customers_are_created_before_they_act(tables)
