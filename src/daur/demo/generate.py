"""Generate the demo business as the nine interchange CSV files of SPEC §3.

`python -m daur.demo.generate --customers N --seed S OUTDIR` writes them for manual use; the
`daur demo` command imports them. Pure Python and numpy: no Django here.

Extension columns beyond SPEC §3: customers end with `owner` (a DEMO_USERS username or empty);
tickets end with `priority`; leads end with `expected_value` and `lost_reason`.

Each customer is generated from one behaviour (people.PRIMARY: need-oriented, discount,
impulsive, loyal, lapsed, ...) with overlays on top (benchmark, door_opener, sophisticated,
difficult, inspiring). The files carry no record of that plan: like a real business's export,
they hold only what the customers did, and the tests judge the behaviours from those events
(tests/demo/behaviour.py).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from daur.demo.activity import customer_interactions, plant_overlays
from daur.demo.catalog import build_campaigns, build_catalog, campaign_rows, product_rows
from daur.demo.feedback import customer_surveys, customer_tickets
from daur.demo.leads import assign_campaigns, build_leads
from daur.demo.orders import build_orders
from daur.demo.people import Population, build_population
from daur.demo.timeline import datetime_strings, money_strings, optional_datetime_strings
from daur.vocabulary import (
    ACQUISITION_CHANNELS,
    CUSTOMER_KINDS,
    INTERACTION_KINDS,
    RELATIONSHIPS,
    TICKET_KINDS,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
)

# (username, role, first name, last name): the people who use the demo.
DEMO_USERS = (
    ("demo", "manager", "Dewi", "Lestari"),
    ("demo-admin", "admin", "Adi", "Nugroho"),
    ("demo-rep", "sales_rep", "Budi", "Santoso"),
    ("demo-rep2", "sales_rep", "Siti", "Rahmawati"),
    ("demo-rep3", "sales_rep", "Marco", "Bianchi"),
    ("demo-marketer", "marketer", "Rina", "Wijaya"),
    ("demo-support", "support_agent", "Agus", "Pratama"),
)
SUPPORT_AGENT = "demo-support"

HEADERS = {
    "customers": (
        "customer_id",
        "name",
        "kind",
        "relationship",
        "email",
        "phone",
        "country",
        "city",
        "industry",
        "acquired_via",
        "campaign_id",
        "referred_by",
        "created_at",
        "owner",
    ),
    "products": ("sku", "name", "category", "tier", "price", "unit_cost", "launched_on"),
    "orders": (
        "order_id",
        "customer_id",
        "ordered_at",
        "amount",
        "currency",
        "discount_amount",
        "coupon_code",
        "channel",
        "reseller_id",
    ),
    "order_lines": ("order_id", "sku", "quantity", "unit_price", "discount_amount"),
    "interactions": ("customer_id", "lead_id", "kind", "occurred_at", "channel", "user", "note"),
    "tickets": (
        "ticket_id",
        "customer_id",
        "kind",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "status",
        "accepted",
        "satisfaction",
        "priority",
    ),
    "surveys": ("customer_id", "answered_at", "nps", "comment"),
    "campaigns": ("campaign_id", "name", "channel", "purpose", "cost", "started_on", "ended_on"),
    "leads": (
        "lead_id",
        "name",
        "source",
        "campaign_id",
        "created_at",
        "stage",
        "owner",
        "email",
        "company",
        "converted_customer_id",
        "converted_at",
        "expected_value",
        "lost_reason",
    ),
}
INTERACTION_CHANNEL = {
    "visit": "store",
    "inquiry": "whatsapp",
    "call": "phone",
    "email": "email",
    "meeting": "onsite",
    "event": "event",
    "reply": "email",
}
INTERACTION_NOTES = {
    "visit": "Lihat-lihat di toko",
    "inquiry": "Tanya stok dan harga",
    "call": "Follow-up call",
    "email": "Penawaran dikirim",
    "meeting": "Meeting kebutuhan",
    "event": "Hadir di demo produk",
    "reply": "Balas newsletter",
}


def _ids(prefix: str, count: int, width: int = 6) -> list[str]:
    width = max(width, len(str(count)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]


def _door_openers(pop: Population, first_minute: np.ndarray) -> np.ndarray:
    """First buying customer of each market (country + city, or industry) with later buyers."""
    door = np.zeros(pop.size, dtype=bool)
    buyers = np.flatnonzero(first_minute >= 0)
    buyers = buyers[np.argsort(first_minute[buyers], kind="stable")]
    markets: dict[tuple, list[int]] = {}
    for c in buyers.tolist():
        markets.setdefault(("city", pop.country[c], pop.city[c]), []).append(c)
        if pop.industry[c]:
            markets.setdefault(("industry", pop.industry[c]), []).append(c)
    for members in markets.values():
        if len(members) >= 2 and first_minute[members[1]] > first_minute[members[0]]:
            door[members[0]] = True
    return door


def _write(directory: Path, kind: str, rows) -> None:
    with open(directory / f"{kind}.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADERS[kind])
        writer.writerows(rows)


def generate_business(*, customers: int, seed: int, directory: Path) -> dict[str, int]:
    """Write the nine CSV files of a demo business into `directory`; return rows per kind."""
    if customers < 1:
        raise ValueError("customers must be at least 1")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    catalog = build_catalog(rng)
    campaigns = build_campaigns(rng)
    pop = build_population(rng, customers)
    orders = build_orders(rng, pop, catalog)
    referrals = plant_overlays(rng, pop, orders)
    interactions = customer_interactions(rng, pop, orders)
    assign_campaigns(rng, pop, campaigns)
    pop.campaign[pop.referred_by >= 0] = -1
    leads, lead_events = build_leads(rng, pop, orders, campaigns)
    tickets, complained, detractor_after = customer_tickets(rng, pop, orders)
    surveys = customer_surveys(rng, pop, orders, referrals, complained, detractor_after)
    first_minute = np.full(pop.size, -1, dtype=np.int64)
    first_minute[orders.customer[::-1]] = orders.minute[::-1]  # earliest order wins
    pop.overlays["door_opener"] = _door_openers(pop, first_minute)

    customer_id = _ids("C", pop.size)
    counts = {}

    # customers
    created = datetime_strings(pop.created_minute)
    rows = [
        (
            customer_id[c],
            pop.name[c],
            CUSTOMER_KINDS[int(pop.is_org[c])],
            RELATIONSHIPS[pop.relationship[c]],
            pop.email[c],
            pop.phone[c],
            pop.country[c],
            pop.city[c],
            pop.industry[c],
            ACQUISITION_CHANNELS[pop.channel[c]] if pop.channel[c] >= 0 else "",
            campaigns.campaign_id[pop.campaign[c]] if pop.campaign[c] >= 0 else "",
            customer_id[pop.referred_by[c]] if pop.referred_by[c] >= 0 else "",
            created[c],
            pop.owner[c],
        )
        for c in range(pop.size)
    ]
    _write(directory, "customers", rows)
    counts["customers"] = len(rows)

    rows = product_rows(catalog)
    _write(directory, "products", rows)
    counts["products"] = len(rows)

    rows = campaign_rows(campaigns)
    _write(directory, "campaigns", rows)
    counts["campaigns"] = len(rows)

    # orders and lines
    order_id = _ids("O", len(orders.customer), 7)
    currency = np.where(orders.eur, "EUR", "IDR").tolist()
    reseller = [customer_id[r] if r >= 0 else "" for r in orders.reseller.tolist()]
    rows = zip(
        order_id,
        [customer_id[c] for c in orders.customer.tolist()],
        datetime_strings(orders.minute),
        money_strings(orders.amount),
        currency,
        money_strings(orders.discount),
        orders.coupon,
        orders.channel,
        reseller,
    )
    _write(directory, "orders", rows)
    counts["orders"] = len(order_id)
    rows = zip(
        [order_id[o] for o in orders.line_order.tolist()],
        [catalog.sku[p] for p in orders.line_product.tolist()],
        orders.line_quantity.tolist(),
        money_strings(orders.line_unit_price),
        money_strings(orders.line_discount),
    )
    _write(directory, "order_lines", rows)
    counts["order_lines"] = len(orders.line_order)

    # leads
    lead_rows = leads["rows"]
    lead_id = _ids("L", len(lead_rows))
    lead_created = datetime_strings(np.array([r[0] for r in lead_rows], dtype=np.int64))
    converted = optional_datetime_strings(np.array([r[9] for r in lead_rows], dtype=np.int64))
    rows = [
        (
            lead_id[j],
            r[1],
            r[2],
            campaigns.campaign_id[r[3]] if r[3] >= 0 else "",
            lead_created[j],
            r[4],
            r[5],
            r[6],
            r[7],
            customer_id[r[8]] if r[8] >= 0 else "",
            converted[j],
            f"{r[10]}.00",
            r[11],
        )
        for j, r in enumerate(lead_rows)
    ]
    _write(directory, "leads", rows)
    counts["leads"] = len(rows)
    lead_owner = [r[5] for r in lead_rows]

    # interactions: customers', then leads'; one per (party, kind, moment)
    owner, kind, minute = interactions.arrays()
    l_owner, l_kind, l_minute = lead_events.arrays()
    is_lead = np.r_[np.zeros(len(owner), dtype=np.int64), np.ones(len(l_owner), dtype=np.int64)]
    owner = np.r_[owner, l_owner]
    kind = np.r_[kind, l_kind]
    minute = np.r_[minute, l_minute]
    order = np.lexsort((kind, owner, is_lead, minute))
    owner, kind, minute, is_lead = owner[order], kind[order], minute[order], is_lead[order]
    key = np.stack([is_lead, owner, kind, minute])
    keep = np.r_[True, np.any(key[:, 1:] != key[:, :-1], axis=0)] if len(owner) else []
    owner, kind, minute, is_lead = owner[keep], kind[keep], minute[keep], is_lead[keep]
    support = rng.random(len(owner)) < 0.6
    users = []
    for o, k, lead, s in zip(owner.tolist(), kind.tolist(), is_lead.tolist(), support.tolist()):
        name = INTERACTION_KINDS[k]
        if lead:
            users.append(lead_owner[o] or "demo-rep")
        elif pop.is_org[o] and name in ("call", "email", "meeting"):
            users.append(pop.owner[o] or SUPPORT_AGENT)
        elif name in ("call", "email", "inquiry") and s:
            users.append(SUPPORT_AGENT)
        else:
            users.append("")
    kinds = [INTERACTION_KINDS[k] for k in kind.tolist()]
    rows = zip(
        ["" if lead else customer_id[o] for o, lead in zip(owner.tolist(), is_lead.tolist())],
        [lead_id[o] if lead else "" for o, lead in zip(owner.tolist(), is_lead.tolist())],
        kinds,
        datetime_strings(minute),
        [INTERACTION_CHANNEL[k] for k in kinds],
        users,
        [INTERACTION_NOTES[k] for k in kinds],
    )
    _write(directory, "interactions", rows)
    counts["interactions"] = len(owner)

    # tickets
    count = len(tickets["customer"])
    accepted = ["" if a < 0 else ("true" if a else "false") for a in tickets["accepted"].tolist()]
    rows = zip(
        _ids("T", count),
        [customer_id[c] for c in tickets["customer"].tolist()],
        [TICKET_KINDS[k] for k in tickets["kind"].tolist()],
        datetime_strings(tickets["opened"]),
        optional_datetime_strings(tickets["response"]),
        optional_datetime_strings(tickets["resolved"]),
        [TICKET_STATUSES[s] for s in tickets["status"].tolist()],
        accepted,
        [str(s) if s else "" for s in tickets["satisfaction"].tolist()],
        [TICKET_PRIORITIES[p] for p in tickets["priority"].tolist()],
    )
    _write(directory, "tickets", rows)
    counts["tickets"] = count

    # surveys
    owner, minute, score, comment = surveys
    rows = zip(
        [customer_id[c] for c in owner.tolist()], datetime_strings(minute), score.tolist(), comment
    )
    _write(directory, "surveys", rows)
    counts["surveys"] = len(owner)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m daur.demo.generate", description="Write a demo business as interchange CSV."
    )
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    counts = generate_business(customers=args.customers, seed=args.seed, directory=args.directory)
    for kind, rows in counts.items():
        print(f"{kind:<13} {rows:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
