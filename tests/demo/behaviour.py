"""What each customer of a generated business actually did, and what that makes it by SPEC §1.

The truth the demo tests and the scoring tests compare against. It is computed here, one customer
at a time in plain Python, from the rows the generator wrote (orders, lines, interactions,
tickets, surveys, referrals) with the rules of SPEC §1.2-§1.4 as written there — never from the
generator's plan or its parameters, which the generated data does not carry.

Conventions follow SPEC §1.3: the as-of day is the latest event (the demo's END_DATE); days are
the local calendar days of the timestamps; gaps are between distinct order days and their CV is
the population standard deviation over the mean; percentiles rank customers who have ordered,
the top share being the ceil(share x buyers) largest values and every value tied with them.
Spend on lines is quantity x unit price less the line discount.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np

from daur.demo.timeline import END_DATE
from daur.vocabulary import INTERCHANGE_KINDS

# SPEC §1.2-§1.4, as written there.
INBOUND = ("visit", "inquiry", "event", "reply")
PLANNING_KINDS = ("visit", "inquiry")  # one of these in the 14 days before makes an order planned
QUALIFIED_LEAD_STAGES = ("qualified", "proposal", "won")
RECENT_DAYS = 365
LOST_DAYS = 365
NEW_PRODUCT_DAYS = 180
PLANNING_DAYS = 14
TOP_SHARE = 0.10
ORIENTATIONS = ("technology", "value", "cost")


def read_business(directory: Path) -> dict[str, list[dict[str, str]]]:
    """The nine CSV files of a generated business, as rows of column -> text."""
    tables = {}
    for kind in INTERCHANGE_KINDS:
        with open(directory / f"{kind}.csv", newline="", encoding="utf-8") as handle:
            tables[kind] = list(csv.DictReader(handle))
    return tables


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def cv(values: list[int]) -> float:
    return float(np.std(values) / np.mean(values))


def top_share(values: dict[str, float], share: float = TOP_SHARE) -> set[str]:
    """The customers among the top `share` of `values` (ties with the cut-off included)."""
    ranked = sorted(values.values(), reverse=True)
    if not ranked:
        return set()
    cut = ranked[math.ceil(share * len(ranked)) - 1]
    return {c for c, v in values.items() if v >= cut and v > 0}


class Events:
    """Per-customer features computed straight from the CSV rows."""

    def __init__(self, tables, as_of: dt.date = END_DATE, rates: dict[str, float] | None = None):
        """`rates` convert other currencies into IDR, the base; without them only the IDR
        buyers are ranked by order value."""
        self.as_of = as_of
        self.rates = rates
        self.customers = {r["customer_id"]: r for r in tables["customers"]}
        self.products = {r["sku"]: r for r in tables["products"]}
        self.orders = defaultdict(list)
        for row in tables["orders"]:
            self.orders[row["customer_id"]].append(row)
        self.lines = defaultdict(list)
        for row in tables["order_lines"]:
            self.lines[row["order_id"]].append(row)
        self.interactions = defaultdict(list)
        for row in tables["interactions"]:
            if row["customer_id"]:
                self.interactions[row["customer_id"]].append(row)
        self.tickets = defaultdict(list)
        for row in tables["tickets"]:
            self.tickets[row["customer_id"]].append(row)
        self.latest_nps = {}
        for row in sorted(tables["surveys"], key=lambda r: r["answered_at"]):
            self.latest_nps[row["customer_id"]] = int(row["nps"])
        self.referrals = Counter(r["referred_by"] for r in tables["customers"] if r["referred_by"])
        self.referred_buyers = Counter(
            r["referred_by"]
            for r in tables["customers"]
            if r["referred_by"] and self.orders[r["customer_id"]]
        )
        self.qualified_lead = {
            r["converted_customer_id"]
            for r in tables["leads"]
            if r["converted_customer_id"] and r["stage"] in QUALIFIED_LEAD_STAGES
        }
        self.buyers = [c for c in self.customers if self.orders[c]]

    # orders
    def days(self, c: str) -> list[dt.date]:
        return sorted({day(o["ordered_at"]) for o in self.orders[c]})

    def gaps(self, c: str) -> list[int]:
        d = self.days(c)
        return [(b - a).days for a, b in zip(d, d[1:])]

    def silence(self, c: str) -> int:
        return (self.as_of - self.days(c)[-1]).days

    def lapse_days(self, c: str) -> float:
        """max(90 days, 3 x the median gap): longer than this without an order is a lapse."""
        gaps = self.gaps(c)
        return max(90.0, 3 * float(np.median(gaps))) if gaps else 90.0

    def discount_share(self, c: str) -> float:
        own = self.orders[c]
        used = sum(Decimal(o["discount_amount"]) > 0 or bool(o["coupon_code"]) for o in own)
        return used / len(own)

    def aov(self, c: str) -> float | None:
        """Average order value in IDR; None for a foreign-currency buyer without `rates`."""
        own = self.orders[c]
        rate = 1.0 if own[0]["currency"] == "IDR" else (self.rates or {}).get(own[0]["currency"])
        return (
            None
            if rate is None
            else rate * float(sum(Decimal(o["amount"]) for o in own)) / len(own)
        )

    # lines
    def categories(self, c: str) -> set[str]:
        return {
            self.products[line["sku"]]["category"]
            for o in self.orders[c]
            for line in self.lines[o["order_id"]]
        }

    def units(self, c: str) -> int:
        return sum(
            int(line["quantity"]) for o in self.orders[c] for line in self.lines[o["order_id"]]
        )

    def spend_share(self, c: str, test) -> float:
        total = part = Decimal(0)
        for o in self.orders[c]:
            for line in self.lines[o["order_id"]]:
                value = int(line["quantity"]) * Decimal(line["unit_price"]) - Decimal(
                    line["discount_amount"]
                )
                total += value
                if test(self.products[line["sku"]], o):
                    part += value
        return float(part / total) if total else 0.0

    def tier_share(self, c: str, tier: str) -> float:
        return self.spend_share(c, lambda p, o: p["tier"] == tier)

    def recent_launch_share(self, c: str) -> float:
        def new(product, order) -> bool:
            launched = dt.date.fromisoformat(product["launched_on"])
            return 0 <= (day(order["ordered_at"]) - launched).days <= NEW_PRODUCT_DAYS

        return self.spend_share(c, new)

    def unplanned_orders(self, c: str) -> int:
        """Orders with a category never bought on an earlier day and no visit or inquiry in the
        14 days before the order day."""
        looks = [day(r["occurred_at"]) for r in self.interactions[c] if r["kind"] in PLANNING_KINDS]
        first_day: dict[str, dt.date] = {}
        for o in self.orders[c]:
            for line in self.lines[o["order_id"]]:
                category = self.products[line["sku"]]["category"]
                when = day(o["ordered_at"])
                first_day[category] = min(first_day.get(category, when), when)
        unplanned = 0
        for o in self.orders[c]:
            when = day(o["ordered_at"])
            cats = {self.products[line["sku"]]["category"] for line in self.lines[o["order_id"]]}
            new = any(first_day[cat] == when for cat in cats)
            looked = any(1 <= (when - t).days <= PLANNING_DAYS for t in looks)
            unplanned += new and not looked
        return unplanned

    # interactions, tickets, surveys
    def kinds(self, c: str, *kinds: str) -> list[dt.date]:
        return [day(r["occurred_at"]) for r in self.interactions[c] if r["kind"] in kinds]

    def recent_complaints(self, c: str) -> int:
        return sum(
            t["kind"] == "complaint" and (self.as_of - day(t["opened_at"])).days < RECENT_DAYS
            for t in self.tickets[c]
        )

    def loyalty(self, c: str) -> int:
        """SPEC §1.4: how many of the four loyalty characteristics the customer shows."""
        if not self.orders[c]:
            return 0
        gaps = self.gaps(c)
        return sum(
            (
                len(self.orders[c]) > 2,
                len(self.categories(c)) >= 2,
                self.referrals[c] >= 1 or self.latest_nps.get(c, 0) >= 9,
                max(gaps, default=0) <= self.lapse_days(c) and self.discount_share(c) < 0.5,
            )
        )


def door_openers(ev: Events) -> set[str]:
    """First buying customer of a market (country + city, or industry) with later buyers."""
    first = {c: min(day(o["ordered_at"]) for o in ev.orders[c]) for c in ev.buyers}
    markets = defaultdict(list)
    for c, when in first.items():
        row = ev.customers[c]
        markets[("city", row["country"], row["city"])].append((when, c))
        if row["industry"]:
            markets[("industry", row["industry"])].append((when, c))
    openers = set()
    for members in markets.values():
        members.sort()
        if len(members) > 1 and members[1][0] > members[0][0]:
            openers.add(members[0][1])
    return openers


def spec_types(ev: Events) -> dict[str, set[str]]:
    """The customers that SPEC §1.3's event-only types describe (all but loyal and
    high_future_value, which need P(alive) or a CLV model)."""
    buyers, n_orders = ev.buyers, {c: len(ev.orders[c]) for c in ev.customers}
    order_values = {c: ev.aov(c) for c in buyers}
    top_aov = top_share({c: v for c, v in order_values.items() if v is not None})
    types = {
        "discount": {c for c in buyers if n_orders[c] >= 2 and ev.discount_share(c) >= 0.6},
        "need_oriented": {
            c
            for c in buyers
            if n_orders[c] >= 3
            and len(ev.gaps(c)) >= 2
            and cv(ev.gaps(c)) <= 0.5
            and len(ev.categories(c)) <= 2
            and ev.discount_share(c) < 0.3
        },
        "impulsive": {
            c
            for c in buyers
            if n_orders[c] >= 3
            and ev.unplanned_orders(c) >= 0.6 * n_orders[c]
            and len(ev.gaps(c)) >= 2
            and cv(ev.gaps(c)) >= 1.0
        },
        "wanderer": {
            c
            for c in ev.customers
            if (not n_orders[c] and len(ev.kinds(c, "visit", "inquiry")) >= 3)
            or (n_orders[c] and len(ev.kinds(c, "visit")) >= 5 * n_orders[c])
        },
        "high_volume": top_share({c: ev.units(c) for c in buyers}),
        "benchmark": {c for c in ev.customers if ev.referred_buyers[c] >= 2},
        "door_opener": door_openers(ev),
        "inspiring": {
            c for c in ev.customers if any(t["kind"] == "suggestion" for t in ev.tickets[c])
        },
        "difficult": {
            c
            for c in ev.customers
            if ev.recent_complaints(c) >= 2
            or (ev.recent_complaints(c) >= 1 and ev.latest_nps.get(c, 10) <= 6)
        },
        "sophisticated": {
            c for c in buyers if len([d for d in ev.kinds(c, "inquiry") if d < ev.days(c)[0]]) >= 3
        },
        "affluent": {
            c for c in top_aov if ev.discount_share(c) <= 0.1 and ev.tier_share(c, "premium") >= 0.5
        },
    }
    return types


def spec_orientation(ev: Events, c: str) -> str:
    """SPEC §1.3's orientation of one buyer: technology, value, cost or ''."""
    if ev.recent_launch_share(c) >= 0.5:
        return "technology"
    if ev.tier_share(c, "premium") >= 0.5:
        return "value"
    if ev.tier_share(c, "budget") >= 0.5 or ev.discount_share(c) >= 0.6:
        return "cost"
    return ""


def spec_prospect_stage(ev: Events, c: str) -> str:
    """SPEC §1.2 for a customer without orders: acquisition when engaged, else reaching."""
    engaged = ev.kinds(c, *INBOUND) or c in ev.qualified_lead
    return "acquisition" if engaged else "reaching"


def behaviours(ev: Events) -> dict[str, set[str]]:
    """Every label whose truth the events decide, with the customers it describes.

    Beside the event-only types and the orientations: the prospect stages; `lost` = no order
    for 365 days and `lapsed` = silent longer than max(90 days, 3 x the median gap) but less than
    365 days (SPEC §1.2 also moves a customer there when P(alive) falls, so these are the
    customers the stage must reach whatever the model says); `loyal` = all four loyalty
    characteristics and no lapse now (SPEC §1.4; the stage's P(alive) >= 0.5 is the model's).
    """
    found = spec_types(ev)
    for name in ORIENTATIONS:
        found[name] = {c for c in ev.buyers if spec_orientation(ev, c) == name}
    prospects = [c for c in ev.customers if not ev.orders[c]]
    for stage in ("reaching", "acquisition"):
        found[stage] = {c for c in prospects if spec_prospect_stage(ev, c) == stage}
    found["lost"] = {c for c in ev.buyers if ev.silence(c) >= LOST_DAYS}
    found["lapsed"] = {c for c in ev.buyers if ev.lapse_days(c) < ev.silence(c) < LOST_DAYS}
    found["loyal"] = {
        c for c in ev.buyers if ev.loyalty(c) == 4 and ev.silence(c) <= ev.lapse_days(c)
    }
    return found
