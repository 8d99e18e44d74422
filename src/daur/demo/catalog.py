"""The demo retailer's assortment (product lines, tiers, launches) and its marketing campaigns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from daur.demo.timeline import END_DAY, date_strings
from daur.vocabulary import ACQUISITION_CHANNELS, PRODUCT_TIERS

BUDGET, STANDARD, PREMIUM = range(3)
EUR_PER_IDR = 1 / 17_500

# (product line, SKU prefix, item kinds, price range in rupiah per tier, technology line?)
CATEGORIES = (
    (
        "Kitchen Appliances",
        "KIT",
        ("Rice Cooker", "Blender", "Air Fryer", "Mixer", "Microwave"),
        ((150e3, 500e3), (500e3, 1.5e6), (1.8e6, 6e6)),
        False,
    ),
    (
        "Large Home Appliances",
        "LHA",
        ("Refrigerator", "Washing Machine", "Freezer", "Dishwasher"),
        ((1.5e6, 3e6), (3.2e6, 7e6), (8e6, 25e6)),
        False,
    ),
    (
        "Air Conditioning & Fans",
        "AIR",
        ("Standing Fan", "Air Conditioner", "Air Purifier"),
        ((200e3, 800e3), (2.5e6, 5e6), (6e6, 15e6)),
        False,
    ),
    (
        "TV & Audio",
        "TVA",
        ("LED TV", "Soundbar", "Bluetooth Speaker", "Smart TV"),
        ((1.2e6, 3e6), (3.5e6, 8e6), (12e6, 45e6)),
        True,
    ),
    (
        "Smartphones & Gadgets",
        "GAD",
        ("Smartphone", "Tablet", "Smartwatch", "Earbuds"),
        ((1e6, 2.5e6), (3e6, 7e6), (10e6, 25e6)),
        True,
    ),
    (
        "Computers & Office",
        "COM",
        ("Laptop", "Monitor", "Printer", "Office Chair"),
        ((2e6, 5e6), (6e6, 12e6), (15e6, 35e6)),
        True,
    ),
    (
        "Furniture",
        "FUR",
        ("Sofa", "Dining Table", "Wardrobe", "Bed Frame", "Bookshelf"),
        ((300e3, 1.5e6), (2e6, 6e6), (8e6, 30e6)),
        False,
    ),
    (
        "Garden & Outdoor",
        "GAR",
        ("Lawn Mower", "Garden Set", "Water Pump", "Grill"),
        ((100e3, 500e3), (600e3, 2.5e6), (3e6, 12e6)),
        False,
    ),
    (
        "Cookware & Tableware",
        "CKW",
        ("Wok", "Cookware Set", "Dinner Set", "Knife Block"),
        ((80e3, 300e3), (350e3, 1.2e6), (1.5e6, 5e6)),
        False,
    ),
    (
        "Household Supplies & Spare Parts",
        "SUP",
        ("Water Filter", "LED Bulb Pack", "Battery Pack", "Vacuum Bags", "AC Filter"),
        ((20e3, 100e3), (100e3, 350e3), (400e3, 1.2e6)),
        False,
    ),
    (
        "Smart Home",
        "SMH",
        ("Smart Plug", "CCTV Camera", "Robot Vacuum", "Smart Lock"),
        ((150e3, 500e3), (600e3, 2e6), (2.5e6, 8e6)),
        True,
    ),
)
# Need-oriented buyers come back for supplies and spare parts.
SUPPLIES = 9
BRANDS = ("Sinar", "Nusantara", "Kirana", "Garuda", "Mentari", "Arjuna", "Cendana", "Samudra")
BASE_PER_TIER = 6
NEW_LAUNCHES = 42
# A technology buyer buys what was launched within this many days before the order (SPEC §1.3).
RECENT_LAUNCH_DAYS = 180


@dataclass(frozen=True)
class Catalog:
    sku: list[str]
    name: list[str]
    category: np.ndarray  # index into CATEGORIES
    tier: np.ndarray
    price: np.ndarray  # rupiah, whole
    price_eur_cents: np.ndarray
    unit_cost: np.ndarray  # rupiah, whole
    launch_day: np.ndarray
    # Established products grouped by (category, tier), cheapest first, for vectorised picking.
    base_flat: np.ndarray
    base_offset: np.ndarray
    base_count: np.ndarray
    # Recent launches ordered by launch day.
    new_by_launch: np.ndarray


def _round_price(value: float) -> int:
    """Shop prices end in 9,000 (1,499,000) or 900 below 100,000 (79,900)."""
    if value < 100e3:
        return int(round(value / 1e3) * 1e3 - 100)
    return int(round(value / 1e4) * 1e4 - 1e3)


def build_catalog(rng: np.random.Generator) -> Catalog:
    rows = []  # (category, tier, price, launch_day, is_new)
    for cat, (_, _, _, ranges, _) in enumerate(CATEGORIES):
        for tier in range(3):
            low, high = ranges[tier]
            for _ in range(BASE_PER_TIER):
                rows.append(
                    (
                        cat,
                        tier,
                        _round_price(rng.uniform(low, high)),
                        int(rng.integers(-1500, -200)),
                        False,
                    )
                )
    tech = [i for i, c in enumerate(CATEGORIES) if c[4]] + [0]
    launch_days = np.linspace(-170, END_DAY - 30, NEW_LAUNCHES).round().astype(int)
    for day in launch_days.tolist():
        cat = tech[int(rng.integers(len(tech)))]
        tier = STANDARD if rng.random() < 0.5 else PREMIUM
        low, high = CATEGORIES[cat][3][tier]
        rows.append((cat, tier, _round_price(rng.uniform(low, high)), day, True))

    category = np.array([r[0] for r in rows])
    tier = np.array([r[1] for r in rows])
    price = np.array([r[2] for r in rows], dtype=np.int64)
    launch_day = np.array([r[3] for r in rows])
    is_new = np.array([r[4] for r in rows])
    margin = np.where(
        tier == BUDGET,
        rng.uniform(0.12, 0.22, len(rows)),
        np.where(
            tier == STANDARD, rng.uniform(0.2, 0.32, len(rows)), rng.uniform(0.3, 0.45, len(rows))
        ),
    )
    unit_cost = (np.round(price * (1 - margin) / 100) * 100).astype(np.int64)
    price_eur_cents = (np.floor(price * EUR_PER_IDR) * 100 + 90).astype(np.int64)

    sku, name, serial = [], [], {}
    for cat, t, new in zip(category.tolist(), tier.tolist(), is_new.tolist()):
        label, prefix, items, _, _ = CATEGORIES[cat]
        serial[prefix] = serial.get(prefix, 0) + 1
        sku.append(f"{prefix}-{serial[prefix]:04d}")
        item = items[int(rng.integers(len(items)))]
        brand = BRANDS[int(rng.integers(len(BRANDS)))]
        series = "X" if new else "ABCDEFGHKMPS"[int(rng.integers(12))]  # X: the new series
        model = f"{series}{int(rng.integers(10, 99))}"
        suffix = {BUDGET: "", STANDARD: " Plus", PREMIUM: " Pro"}[t]
        name.append(f"{brand} {item} {model}{suffix}")

    base = np.flatnonzero(~is_new)
    base = base[np.lexsort((price[base], tier[base], category[base]))]
    keys = category[base] * 3 + tier[base]
    base_count = np.bincount(keys, minlength=len(CATEGORIES) * 3).reshape(len(CATEGORIES), 3)
    base_offset = (np.cumsum(base_count.ravel()) - base_count.ravel()).reshape(base_count.shape)
    new = np.flatnonzero(is_new)
    new = new[np.argsort(launch_day[new], kind="stable")]
    return Catalog(
        sku,
        name,
        category,
        tier,
        price,
        price_eur_cents,
        unit_cost,
        launch_day,
        base,
        base_offset,
        base_count,
        new,
    )


def product_rows(catalog: Catalog) -> list[tuple]:
    launched = date_strings(catalog.launch_day)
    return [
        (sku, name, CATEGORIES[c][0], PRODUCT_TIERS[t], f"{p}.00", f"{u}.00", day)
        for sku, name, c, t, p, u, day in zip(
            catalog.sku,
            catalog.name,
            catalog.category.tolist(),
            catalog.tier.tolist(),
            catalog.price.tolist(),
            catalog.unit_cost.tolist(),
            launched,
        )
    ]


# ---------------------------------------------------------------------------------------------
# Campaigns

_CAMPAIGN_NAMES = {
    "advertising": "Iklan TV & Radio",
    "sampling": "Sampling Produk",
    "free_trial": "Coba Gratis",
    "discount": "Diskon Besar",
    "coupon": "Kupon Hemat",
    "lottery": "Undian Berhadiah",
    "merchandising": "Display Toko",
    "event": "Demo Masak",
    "networking": "Business Gathering",
    "exhibition": "Pameran Elektronik",
    "seminar": "Seminar Smart Home",
    "trade_show": "Trade Expo",
    "publicity": "Liputan Media",
    "website": "Landing Page",
    "search_engine": "Google Ads",
    "web_catalogue": "Katalog Online",
    "telemarketing": "Telemarketing",
    "email": "Email Promo",
}
_RETENTION = (
    ("email", "Newsletter Pelanggan Setia"),
    ("coupon", "Kupon Ulang Tahun"),
    ("discount", "VIP Discount"),
    ("event", "Member Night"),
    ("lottery", "Undian Member"),
    ("email", "Win-back: Kami Rindu Anda"),
)
_COST_RANGE = {
    "advertising": (150e6, 600e6),
    "exhibition": (80e6, 300e6),
    "trade_show": (80e6, 300e6),
    "search_engine": (20e6, 120e6),
    "telemarketing": (15e6, 60e6),
    "email": (2e6, 10e6),
}


@dataclass(frozen=True)
class Campaigns:
    campaign_id: list[str]
    name: list[str]
    channel: list[str]
    purpose: list[str]
    cost: np.ndarray  # rupiah
    start_day: np.ndarray
    end_day: np.ndarray


def build_campaigns(rng: np.random.Generator) -> Campaigns:
    rows = []
    for channel in ACQUISITION_CHANNELS:
        if channel == "referral":
            continue  # referrals come from customers, not from a paid campaign
        for _ in range(int(rng.integers(2, 4))):
            rows.append((channel, "acquisition", _CAMPAIGN_NAMES[channel]))
    for channel, title in _RETENTION:
        for _ in range(2):
            rows.append((channel, "retention", title))
    ids, names, channels, purposes, costs, starts, ends = [], [], [], [], [], [], []
    for number, (channel, purpose, title) in enumerate(rows, start=1):
        start = int(rng.integers(0, END_DAY - 60))
        end = min(END_DAY, start + int(rng.integers(14, 120)))
        low, high = _COST_RANGE.get(channel, (5e6, 80e6))
        year = 2023 + (start + 304) // 365
        ids.append(f"CMP-{number:03d}")
        names.append(f"{title} {year} #{number}")
        channels.append(channel)
        purposes.append(purpose)
        costs.append(int(round(rng.uniform(low, high) / 1e5) * 1e5))
        starts.append(start)
        ends.append(end)
    return Campaigns(
        ids,
        names,
        channels,
        purposes,
        np.array(costs, dtype=np.int64),
        np.array(starts),
        np.array(ends),
    )


def campaign_rows(campaigns: Campaigns) -> list[tuple]:
    return list(
        zip(
            campaigns.campaign_id,
            campaigns.name,
            campaigns.channel,
            campaigns.purpose,
            [f"{c}.00" for c in campaigns.cost.tolist()],
            date_strings(campaigns.start_day),
            date_strings(campaigns.end_day),
        )
    )
