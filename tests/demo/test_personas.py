"""The planted personas hold on the generated rows by the rules of SPEC §1.3."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import numpy as np
import pytest

from daur.demo.generate import generate_business
from daur.demo.people import PRIMARY
from daur.demo.timeline import END_DATE

from .conftest import read_business

PERSONAS = (
    "need_oriented",
    "discount",
    "impulsive",
    "wanderer",
    "loyal",
    "lapsed",
    "lost",
    "difficult",
    "inspiring",
    "sophisticated",
    "affluent",
    "high_volume",
    "benchmark",
    "door_opener",
    "reseller",
    "reaching",
    "acquisition",
    "technology",
    "value",
    "cost",
    "internal",
    "regular",
    "new_customer",
)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def cv(values: list[int]) -> float:
    return float(np.std(values) / np.mean(values))


class Facts:
    """Per-customer features computed straight from the CSV rows."""

    def __init__(self, tables):
        self.customers = {r["customer_id"]: r for r in tables["customers"]}
        self.persona = {c: set(r["persona"].split(";")) for c, r in self.customers.items()}
        products = {r["sku"]: r for r in tables["products"]}
        self.orders = defaultdict(list)
        for row in tables["orders"]:
            self.orders[row["customer_id"]].append(row)
        lines = defaultdict(list)
        for row in tables["order_lines"]:
            lines[row["order_id"]].append(row)
        self.lines = lines
        self.products = products
        self.looks = defaultdict(list)  # visits and inquiries
        self.inquiries = defaultdict(list)
        self.interactions = defaultdict(list)
        for row in tables["interactions"]:
            if row["customer_id"]:
                self.interactions[row["customer_id"]].append(row)
                if row["kind"] in ("visit", "inquiry"):
                    self.looks[row["customer_id"]].append(row["occurred_at"])
                if row["kind"] == "inquiry":
                    self.inquiries[row["customer_id"]].append(row["occurred_at"])
        self.tickets = defaultdict(list)
        for row in tables["tickets"]:
            self.tickets[row["customer_id"]].append(row)
        self.latest_nps = {}
        for row in sorted(tables["surveys"], key=lambda r: r["answered_at"]):
            self.latest_nps[row["customer_id"]] = int(row["nps"])
        self.referred_buyers = Counter(
            r["referred_by"]
            for r in tables["customers"]
            if r["referred_by"] and self.orders[r["customer_id"]]
        )

    def with_persona(self, name: str) -> list[str]:
        return [c for c, p in self.persona.items() if name in p]

    def days(self, c: str) -> list[dt.date]:
        return sorted({day(o["ordered_at"]) for o in self.orders[c]})

    def gaps(self, c: str) -> list[int]:
        d = self.days(c)
        return [(b - a).days for a, b in zip(d, d[1:])]

    def discount_share(self, c: str) -> float:
        own = self.orders[c]
        return sum(Decimal(o["discount_amount"]) > 0 or bool(o["coupon_code"]) for o in own) / len(
            own
        )

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
                value = int(line["quantity"]) * Decimal(line["unit_price"])
                total += value
                if test(self.products[line["sku"]], o):
                    part += value
        return float(part / total)

    def recent_launch_share(self, c: str) -> float:
        return self.spend_share(
            c,
            lambda p, o: (
                0 <= (day(o["ordered_at"]) - dt.date.fromisoformat(p["launched_on"])).days <= 180
            ),
        )

    def aov(self, c: str) -> float:
        own = self.orders[c]
        return float(sum(Decimal(o["amount"]) for o in own) / len(own))

    def silence(self, c: str) -> int:
        return (END_DATE - self.days(c)[-1]).days


@pytest.fixture(scope="module")
def facts(business) -> Facts:
    return Facts(business)


def test_every_persona_is_present_in_plausible_proportions(facts):
    counts = Counter(token for p in facts.persona.values() for token in p)
    for persona in PERSONAS:
        assert 5 <= counts[persona] <= 500, (persona, counts[persona])
    buyers = sum(1 for c in facts.customers if facts.orders[c])
    assert 0.7 * 2000 <= buyers <= 0.9 * 2000
    assert 4 <= sum(len(o) for o in facts.orders.values()) / buyers <= 6.5
    assert counts["loyal"] > counts["benchmark"] > 0


def test_a_tiny_business_still_has_one_of_each_kind(tmp_path):
    generate_business(customers=50, seed=3, directory=tmp_path)
    personas = Counter(r["persona"].split(";")[0] for r in read_business(tmp_path)["customers"])
    wanted = {"regular" if p == "b2b" else p for p in PRIMARY}
    assert wanted <= {p.split(";")[0] for p in personas}


def test_need_oriented_buy_regularly_few_lines_without_discounts(facts):
    for c in facts.with_persona("need_oriented"):
        assert len(facts.orders[c]) >= 3
        assert cv(facts.gaps(c)) <= 0.5
        assert len(facts.categories(c)) <= 2
        assert facts.discount_share(c) < 0.3


def test_discount_hunters_mostly_buy_on_discount(facts):
    for c in facts.with_persona("discount"):
        assert len(facts.orders[c]) >= 2 and facts.discount_share(c) >= 0.6


def test_impulsive_buy_irregularly_and_unplanned(facts):
    for c in facts.with_persona("impulsive"):
        orders = sorted(facts.orders[c], key=lambda o: o["ordered_at"])
        assert len(orders) >= 3 and cv(facts.gaps(c)) >= 1.0
        seen, unplanned = set(), 0
        for o in orders:
            cats = {facts.products[line["sku"]]["category"] for line in facts.lines[o["order_id"]]}
            when = dt.datetime.fromisoformat(o["ordered_at"])
            looked = any(
                0 <= (when - dt.datetime.fromisoformat(t)).days < 14 for t in facts.looks[c]
            )
            unplanned += bool(cats - seen) and not looked
            seen |= cats
        assert unplanned >= 0.6 * len(orders)


def test_wanderers_and_prospects_never_order(facts):
    for c in facts.with_persona("wanderer"):
        assert not facts.orders[c] and len(facts.looks[c]) >= 3
    for c in facts.with_persona("reaching"):
        assert not facts.orders[c] and not facts.interactions[c]
    for c in facts.with_persona("acquisition"):
        kinds = {r["kind"] for r in facts.interactions[c]}
        assert not facts.orders[c] and kinds & {"visit", "inquiry", "event", "reply"}
        assert len(facts.looks[c]) < 3


def test_loyal_customers_meet_the_loyalty_characteristics(facts):
    for c in facts.with_persona("loyal"):
        gaps = facts.gaps(c)
        assert len(facts.orders[c]) > 2 and len(facts.categories(c)) >= 2
        assert facts.referred_buyers[c] >= 1 or facts.latest_nps.get(c, 0) >= 9
        assert max(gaps + [facts.silence(c)]) <= max(90, 3 * float(np.median(gaps)))
        assert facts.discount_share(c) < 0.5


def test_lapsed_and_lost_fell_silent(facts):
    for c in facts.with_persona("lapsed"):
        gaps = facts.gaps(c)
        threshold = max(90, 3 * float(np.median(gaps))) if gaps else 90
        assert threshold < facts.silence(c) < 365
    for c in facts.with_persona("lost"):
        assert facts.orders[c] and facts.silence(c) > 365


def test_difficult_inspiring_and_sophisticated(facts):
    last_year = END_DATE - dt.timedelta(days=365)
    for c in facts.with_persona("difficult"):
        complaints = [t for t in facts.tickets[c] if t["kind"] == "complaint"]
        recent = [t for t in complaints if day(t["opened_at"]) > last_year]
        assert len(recent) >= 2 or (complaints and facts.latest_nps.get(c, 10) <= 6)
    for c, p in facts.persona.items():  # nobody else qualifies by accident
        if "difficult" not in p:
            complaints = [t for t in facts.tickets[c] if t["kind"] == "complaint"]
            assert len(complaints) <= 1 and not (complaints and facts.latest_nps.get(c, 10) <= 6)
    accepted = 0
    for c in facts.with_persona("inspiring"):
        suggestions = [t for t in facts.tickets[c] if t["kind"] == "suggestion"]
        assert suggestions
        accepted += any(t["accepted"] == "true" for t in suggestions)
    assert accepted >= 1
    for c in facts.with_persona("sophisticated"):
        first = min(o["ordered_at"] for o in facts.orders[c])
        assert sum(t < first for t in facts.inquiries[c]) >= 3


def test_affluent_and_high_volume_stand_out(facts):
    buyers = [c for c in facts.customers if facts.orders[c]]
    idr = [c for c in buyers if facts.orders[c][0]["currency"] == "IDR"]
    aov_p90 = np.percentile([facts.aov(c) for c in idr], 90)
    for c in facts.with_persona("affluent"):
        assert facts.aov(c) >= aov_p90
        assert facts.discount_share(c) <= 0.1
        assert facts.spend_share(c, lambda p, o: p["tier"] == "premium") >= 0.5
    units = sorted((facts.units(c) for c in buyers), reverse=True)
    top_decile = units[len(buyers) // 10 - 1]
    for c in facts.with_persona("high_volume"):
        assert facts.units(c) >= top_decile


def test_benchmarks_and_door_openers(facts):
    for c in facts.with_persona("benchmark"):
        assert facts.referred_buyers[c] >= 2
    for c, p in facts.persona.items():
        if "benchmark" not in p:
            assert facts.referred_buyers[c] <= 1
    first_order = {c: min(o["ordered_at"] for o in own) for c, own in facts.orders.items() if own}
    markets = defaultdict(list)
    for c, when in first_order.items():
        row = facts.customers[c]
        markets[("city", row["country"], row["city"])].append((when, c))
        if row["industry"]:
            markets[("industry", row["industry"])].append((when, c))
    expected = {sorted(m)[0][1] for m in markets.values() if len({w for w, _ in m}) > 1}
    assert set(facts.with_persona("door_opener")) == expected


def test_orientations(facts):
    for c in facts.with_persona("technology"):
        assert facts.recent_launch_share(c) >= 0.5
    for c in facts.with_persona("value"):
        assert facts.recent_launch_share(c) < 0.5
        assert facts.spend_share(c, lambda p, o: p["tier"] == "premium") >= 0.5
    for c in facts.with_persona("cost"):
        assert facts.recent_launch_share(c) < 0.5
        assert facts.spend_share(c, lambda p, o: p["tier"] == "premium") < 0.5
        assert (
            facts.spend_share(c, lambda p, o: p["tier"] == "budget") >= 0.5
            or facts.discount_share(c) >= 0.6
        )


def test_resellers_sell_and_buy_in_volume(facts):
    resellers = facts.with_persona("reseller")
    for c in resellers:
        assert facts.customers[c]["relationship"] == "intermediary"
        assert facts.customers[c]["industry"] and facts.customers[c]["owner"]
    for c in facts.with_persona("internal"):
        assert facts.customers[c]["relationship"] == "internal"


def test_a_larger_business_generates(tmp_path):
    counts = generate_business(customers=20_000, seed=5, directory=tmp_path)
    assert counts["customers"] == 20_000
    assert counts["orders"] > 60_000 and counts["leads"] >= 5_000
