"""Orders and order lines: when each persona buys, what, how much, and at what discount."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from daur.demo.catalog import CATEGORIES, RECENT_LAUNCH_DAYS, SUPPLIES, Catalog
from daur.demo.people import PRIMARY, Population
from daur.demo.timeline import END_DAY, MINUTES_PER_DAY

# Per primary persona: orders (low, high), mean gap in days (low, high), gamma shape of the gaps
# (CV = 1/sqrt(shape)), longest gap, days since the last order at the end (low, high).
PATTERNS = {
    "need_oriented": ((4, 10), (30, 75), 40.0, 200, (0, 25)),
    "discount": ((2, 8), (40, 120), 2.0, 300, (0, 150)),
    "impulsive": ((4, 8), (0, 0), 1.0, 0, (0, 60)),
    "loyal": ((5, 12), (20, 55), 6.0, 85, (0, 40)),
    "lapsed": ((2, 6), (15, 40), 3.0, 48, (150, 300)),
    "lost": ((1, 5), (30, 90), 2.0, 150, (400, 800)),
    "affluent": ((2, 6), (60, 150), 2.0, 300, (0, 120)),
    "high_volume": ((4, 8), (45, 100), 3.0, 250, (0, 90)),
    "technology": ((2, 7), (60, 150), 2.0, 300, (0, 120)),
    "new_customer": ((1, 1), (1, 1), 1.0, 1, (0, 60)),
    "reseller": ((12, 36), (20, 40), 8.0, 90, (0, 20)),
    "internal": ((1, 5), (90, 200), 2.0, 400, (0, 200)),
    "b2b": ((2, 8), (40, 120), 2.0, 300, (0, 120)),
    "regular": ((2, 8), (40, 120), 2.0, 300, (0, 120)),
}
# Tier probabilities (budget, standard, premium) per line.
TIER_MIX = {
    "discount": (0.7, 0.3, 0.0),
    "affluent": (0.0, 0.0, 1.0),
    "need_oriented": (0.2, 0.78, 0.02),
    "loyal": (0.25, 0.7, 0.05),
    "high_volume": (0.45, 0.55, 0.0),
    "reseller": (0.35, 0.6, 0.05),
}
DEFAULT_TIER_MIX = (0.4, 0.57, 0.03)
DISCOUNT_RATE = {
    "discount": 0.85,
    "need_oriented": 0.0,
    "affluent": 0.0,
    "loyal": 0.12,
    "impulsive": 0.05,
    "technology": 0.05,
}
DEFAULT_DISCOUNT_RATE = 0.15
COUPONS = ("HEMAT10", "DAUR15", "RAMADAN20", "HARBOLNAS", "WELCOME10", "PAYDAY25")
# Large home appliances, TV & audio, gadgets, computers, furniture.
BIG_TICKET = (1, 3, 4, 5, 6)
# Planted customers who must not look like bargain hunters (loyal: resists competitors).
DISCOUNT_CEILING = 0.3
PERSON_ORDER_CHANNELS = ("web", "store", "marketplace", "phone", "whatsapp")
ORG_ORDER_CHANNELS = ("sales_rep", "phone", "web")


@dataclass(frozen=True)
class Orders:
    customer: np.ndarray  # customer index, orders in chronological order (= order number)
    minute: np.ndarray
    eur: np.ndarray
    amount: np.ndarray  # hundredths of the currency
    discount: np.ndarray
    coupon: list[str]
    channel: list[str]
    reseller: np.ndarray  # customer index or -1
    line_order: np.ndarray  # lines sorted by (order, product)
    line_product: np.ndarray
    line_quantity: np.ndarray
    line_unit_price: np.ndarray
    line_discount: np.ndarray
    first_day: np.ndarray  # per customer, -1 when no order
    last_day: np.ndarray
    order_count: np.ndarray


def segment_ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... within each consecutive segment of the given lengths."""
    starts = np.cumsum(counts) - counts
    return np.arange(int(counts.sum())) - np.repeat(starts, counts)


def gap_cv(days: np.ndarray, owner: np.ndarray, size: int) -> np.ndarray:
    """Population CV of the gaps between consecutive order days per owner (rows sorted)."""
    same = owner[1:] == owner[:-1]
    gaps = np.diff(days)[same].astype(float)
    who = owner[1:][same]
    k = np.bincount(who, minlength=size)
    s = np.bincount(who, gaps, minlength=size)
    s2 = np.bincount(who, gaps * gaps, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / k
        return np.sqrt(np.maximum(s2 / k - mean * mean, 0)) / mean


def _impulsive_gaps(rng: np.random.Generator, count: int, room: int) -> np.ndarray:
    """Bursts of quick buys between long pauses: gap CV >= 1 whatever the draw."""
    for _ in range(20):
        gaps = np.where(
            rng.random(count) < 0.65, rng.integers(1, 12, count), rng.integers(90, 260, count)
        ).astype(float)
        if gaps.sum() > room:
            gaps = np.maximum(1, np.floor(gaps * room / gaps.sum()))
        if gaps.std() / gaps.mean() >= 1.05:
            return gaps
    gaps = rng.integers(2, 8, count).astype(float)
    gaps[int(rng.integers(count))] = min(room - gaps.sum(), 240)
    return gaps


def build_orders(rng: np.random.Generator, pop: Population, catalog: Catalog) -> Orders:
    n = pop.size
    kinds = [PRIMARY[c] for c in range(len(PRIMARY))]
    count = np.zeros(n, dtype=int)
    last = np.zeros(n, dtype=int)
    mean_gap = np.ones(n)
    shape = np.ones(n)
    cap = np.ones(n)
    for code, kind in enumerate(kinds):
        if kind not in PATTERNS:
            continue
        who = np.flatnonzero(pop.primary == code)
        (n_lo, n_hi), (g_lo, g_hi), k, longest, (r_lo, r_hi) = PATTERNS[kind]
        count[who] = rng.integers(n_lo, n_hi + 1, len(who))
        mean_gap[who] = rng.uniform(g_lo, g_hi, len(who))
        shape[who] = k
        cap[who] = longest
        last[who] = END_DAY - rng.integers(r_lo, r_hi + 1, len(who))
    need = pop.primary == PRIMARY.index("need_oriented")
    last[need] = END_DAY - np.floor(rng.random(n) * 0.5 * mean_gap).astype(int)[need]
    # The gaps must fit between the first day and the last order.
    room = np.maximum(last - 1, 1)
    mean_gap = np.minimum(mean_gap, 0.8 * room / np.maximum(count - 1, 1))

    cust = np.repeat(np.arange(n), count)
    rank = segment_ranks(count)
    gaps = rng.gamma(shape[cust], mean_gap[cust] / shape[cust])
    gaps = np.clip(np.round(gaps), 1, np.maximum(cap[cust], 1))
    impulsive = np.flatnonzero(pop.primary == PRIMARY.index("impulsive"))
    starts = np.cumsum(count) - count
    for c in impulsive.tolist():
        k = count[c]
        gaps[starts[c] : starts[c] + k - 1] = _impulsive_gaps(rng, k - 1, int(room[c] * 0.9))
    is_last = rank == count[cust] - 1
    gap_after = np.where(is_last, 0, gaps)
    csum = np.cumsum(gap_after)
    seg_end = csum[starts + count - 1]
    suffix = seg_end[cust] - csum + gap_after
    day = (last[cust] - suffix).astype(int)
    keep = day >= 0
    cust, day = cust[keep], day[keep]
    count = np.bincount(cust, minlength=n)
    rank = segment_ranks(count)
    minute = day * MINUTES_PER_DAY + rng.integers(8 * 60, 21 * 60, len(day))
    first_day = np.full(n, -1)
    last_day = np.full(n, -1)
    has = count > 0
    starts = np.cumsum(count) - count
    first_day[has] = day[starts[has]]
    last_day[has] = day[starts[has] + count[has] - 1]

    kind_of = np.array([PRIMARY[c] for c in range(len(PRIMARY))])[pop.primary]
    order_kind = kind_of[cust]
    orders = len(cust)

    # Lines: how many, which product line, which tier, which product, how many units.
    big = np.isin(order_kind, ("high_volume", "reseller"))
    lines_per = np.where(
        big,
        rng.integers(2, 6, orders),
        np.where(
            order_kind == "affluent",
            rng.integers(2, 5, orders),
            1 + (rng.random(orders) < 0.45) + (rng.random(orders) < 0.15),
        ),
    )
    line_order = np.repeat(np.arange(orders), lines_per)
    line_rank = segment_ranks(lines_per)
    lc = cust[line_order]
    lkind = order_kind[line_order]
    nlines = len(line_order)

    ncat = len(CATEGORIES)
    cat_perm = np.argsort(rng.random((n, ncat)), axis=1)
    need_rows = np.flatnonzero(need)
    # The need-oriented come back for supplies first.
    supplies_pos = np.argmax(cat_perm[need_rows] == SUPPLIES, axis=1)
    cat_perm[need_rows, supplies_pos] = cat_perm[need_rows, 0]
    cat_perm[need_rows, 0] = SUPPLIES
    span = rng.integers(1, 5, n)
    span[need] = rng.integers(1, 3, n)[need]
    span[need & pop.loyal] = 2
    span[pop.primary == PRIMARY.index("loyal")] = rng.integers(3, 6, n)[
        pop.primary == PRIMARY.index("loyal")
    ]
    span[pop.primary == PRIMARY.index("reseller")] = rng.integers(3, 7, n)[
        pop.primary == PRIMARY.index("reseller")
    ]
    offset = rng.integers(0, ncat, n)
    slot = (offset[lc] + rank[line_order] + line_rank) % span[lc]
    slot = np.where(lkind == "impulsive", rank[line_order], slot)  # a new line every order
    category = cat_perm[lc, slot]
    # The affluent furnish and equip: big-ticket product lines only.
    big_ticket = np.array(BIG_TICKET)
    category = np.where(
        lkind == "affluent",
        big_ticket[(offset[lc] + rank[line_order] + line_rank) % len(big_ticket)],
        category,
    )

    mix = np.array([TIER_MIX.get(k, DEFAULT_TIER_MIX) for k in PRIMARY])
    cum = np.cumsum(mix, axis=1)[pop.primary[lc]]
    u = rng.random(nlines)
    tier = (u[:, None] >= cum[:, :2]).sum(axis=1)
    offs = catalog.base_offset[category, tier]
    cnt = catalog.base_count[category, tier]
    pick = rng.random(nlines)
    top_half = np.ceil(cnt / 2).astype(int)
    position = np.where(
        lkind == "affluent", offs + cnt - 1 - np.floor(pick * top_half), offs + np.floor(pick * cnt)
    ).astype(int)
    product = catalog.base_flat[position]
    # Technology buyers pick what was launched in the 180 days before the order.
    tech = lkind == "technology"
    lday = day[line_order]
    launches = catalog.launch_day[catalog.new_by_launch]
    hi = np.searchsorted(launches, lday, side="right")
    lo = np.searchsorted(launches, lday - RECENT_LAUNCH_DAYS, side="left")
    fresh = tech & (hi > lo)
    choice = lo + np.floor(rng.random(nlines) * np.maximum(hi - lo, 1)).astype(int)
    product = np.where(fresh, catalog.new_by_launch[np.minimum(choice, len(launches) - 1)], product)

    units = np.where(rng.random(nlines) < 0.85, 1, np.where(rng.random(nlines) < 0.8, 2, 3))
    units = np.where(lkind == "high_volume", rng.integers(6, 21, nlines), units)
    units = np.where(lkind == "reseller", rng.integers(10, 41, nlines), units)
    units = np.where(np.isin(lkind, ("b2b", "internal")), rng.integers(1, 4, nlines), units)

    # One line per product in an order.
    key = line_order.astype(np.int64) * len(catalog.sku) + product
    _, first = np.unique(key, return_index=True)
    line_order, product, units = line_order[first], product[first], units[first]
    lc = cust[line_order]

    eur = pop.is_eur[cust]
    unit_price = np.where(
        eur[line_order], catalog.price_eur_cents[product], catalog.price[product] * 100
    )
    gross = unit_price * units

    # Discounts and coupons.
    rate = np.array([DISCOUNT_RATE.get(k, DEFAULT_DISCOUNT_RATE) for k in PRIMARY])
    discounted = rng.random(orders) < rate[pop.primary[cust]]
    hunters = pop.primary == PRIMARY.index("discount")
    share = np.bincount(cust, discounted, minlength=n) / np.maximum(count, 1)
    discounted |= (hunters & (share < 0.6))[cust]
    discounted &= ~(pop.loyal & (share > DISCOUNT_CEILING))[cust]
    percent = rng.choice(np.array([5, 10, 15, 20, 25]), orders)
    unit = np.where(eur, 1, 10_000)  # round to a cent in euro, to a hundred rupiah
    line_rate = np.where(discounted, percent, 0)[line_order]
    line_discount = (
        np.round(gross * line_rate / 100 / unit[line_order]) * unit[line_order]
    ).astype(np.int64)
    line_discount = np.minimum(line_discount, gross - unit[line_order])
    line_discount = np.maximum(line_discount, 0)
    discounted = np.bincount(line_order, line_discount, minlength=orders) > 0
    has_coupon = discounted & (rng.random(orders) < 0.6)
    coupon_pick = rng.integers(0, len(COUPONS), orders)
    coupon = [COUPONS[k] if c else "" for k, c in zip(coupon_pick.tolist(), has_coupon.tolist())]
    discount = np.round(np.bincount(line_order, line_discount, minlength=orders)).astype(np.int64)
    amount = np.round(np.bincount(line_order, gross, minlength=orders)).astype(np.int64) - discount

    # Sold through a reseller: some Indonesian consumers buy at a reseller's shop.
    resellers = np.flatnonzero(pop.primary == PRIMARY.index("reseller"))
    reseller = np.full(orders, -1)
    if len(resellers):
        shopper = (
            ~pop.is_org
            & ~pop.is_eur
            & (rng.random(n) < 0.12)
            & np.isin(
                kind_of, ("regular", "need_oriented", "discount", "new_customer", "lapsed", "lost")
            )
        )
        via = resellers[rng.integers(len(resellers), size=n)]
        reseller_first = first_day[via]
        through = shopper[cust] & (rng.random(orders) < 0.7) & (day >= reseller_first[cust])
        reseller = np.where(through, via[cust], -1)
    person_channel = rng.integers(len(PERSON_ORDER_CHANNELS), size=orders)
    org_channel = rng.integers(len(ORG_ORDER_CHANNELS), size=orders)
    org = pop.is_org[cust]
    internal = order_kind == "internal"
    channel = [
        "reseller"
        if r >= 0
        else "internal"
        if i
        else ORG_ORDER_CHANNELS[oc]
        if o
        else PERSON_ORDER_CHANNELS[pc]
        for r, i, o, oc, pc in zip(
            reseller.tolist(),
            internal.tolist(),
            org.tolist(),
            org_channel.tolist(),
            person_channel.tolist(),
        )
    ]

    # Number orders chronologically.
    chron = np.lexsort((cust, minute))
    number = np.empty(orders, dtype=np.int64)
    number[chron] = np.arange(orders)
    line_number = number[line_order]
    line_sort = np.lexsort((product, line_number))
    return Orders(
        customer=cust[chron],
        minute=minute[chron],
        eur=eur[chron],
        amount=amount[chron],
        discount=discount[chron],
        coupon=[coupon[i] for i in chron.tolist()],
        channel=[channel[i] for i in chron.tolist()],
        reseller=reseller[chron],
        line_order=line_number[line_sort],
        line_product=product[line_sort],
        line_quantity=units[line_sort],
        line_unit_price=unit_price[line_sort],
        line_discount=line_discount[line_sort],
        first_day=first_day,
        last_day=last_day,
        order_count=count,
    )
