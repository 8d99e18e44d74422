"""Around the orders: the overlay personas, the referrals they plant, and the interactions.

Tickets and survey answers, which depend on the overlays, are in `feedback`.
"""

from __future__ import annotations

import numpy as np

from daur.demo.orders import Orders
from daur.demo.people import PRIMARY, Population
from daur.demo.timeline import END_DAY, MINUTES_PER_DAY, Events, spread
from daur.vocabulary import INTERACTION_KINDS

INQUIRY = INTERACTION_KINDS.index("inquiry")
# Kind weights (visit, inquiry, call, email, meeting, event, reply).
PERSON_KIND_WEIGHTS = np.array([25, 15, 15, 15, 0, 10, 20], dtype=float)
ORG_KIND_WEIGHTS = np.array([5, 10, 30, 25, 30, 0, 0], dtype=float)
UNPLANNED_KIND_WEIGHTS = np.array([0, 0, 20, 35, 0, 15, 30], dtype=float)
INBOUND_KIND_WEIGHTS = np.array([40, 30, 0, 0, 0, 15, 15], dtype=float)
LOOKING_KIND_WEIGHTS = np.array([60, 40, 0, 0, 0, 0, 0], dtype=float)


def share(customers: int, rate: float) -> int:
    """How many of `customers` make `rate` of them (at least one)."""
    return max(1, int(round(rate * customers)))


def pick(rng: np.random.Generator, candidates: np.ndarray, wanted: int) -> np.ndarray:
    """`wanted` of `candidates` (all of them when fewer), drawn without replacement, in order."""
    wanted = min(wanted, len(candidates))
    return np.sort(rng.choice(candidates, size=wanted, replace=False)) if wanted else candidates


def plant_overlays(rng: np.random.Generator, pop: Population, orders: Orders) -> np.ndarray:
    """Choose difficult, inspiring and sophisticated customers and plant the referrals.

    Returns the number of referred buying customers per customer.
    """
    n = pop.size
    kind = np.array(PRIMARY)[pop.primary]
    buyer = orders.order_count > 0
    plain = ~np.isin(kind, ("reseller", "internal"))
    pop.overlays["sophisticated"] = np.isin(
        np.arange(n),
        pick(
            rng,
            np.flatnonzero(buyer & plain & (kind != "impulsive") & (orders.first_day >= 150)),
            share(n, 0.04),
        ),
    )
    pop.overlays["difficult"] = np.isin(
        np.arange(n),
        pick(
            rng,
            np.flatnonzero(
                buyer & plain & ~pop.loyal & (kind != "lost") & (orders.first_day <= END_DAY - 60)
            ),
            share(n, 0.04),
        ),
    )
    pop.overlays["inspiring"] = np.isin(
        np.arange(n), pick(rng, np.flatnonzero(buyer & (kind != "internal")), share(n, 0.03))
    )

    # Loyal advocates bring in buying customers; benchmarks bring in two or more.
    referred_by = np.full(n, -1)
    referrals = np.zeros(n, dtype=int)
    advocates = np.flatnonzero(pop.loyal)
    draw = rng.random(len(advocates))
    wanted = np.where(draw < 0.4, rng.integers(2, 5, len(advocates)), np.where(draw < 0.7, 1, 0))
    pool = np.flatnonzero(
        buyer
        & ~pop.is_org
        & ~pop.loyal
        & np.isin(
            kind,
            (
                "regular",
                "new_customer",
                "need_oriented",
                "discount",
                "affluent",
                "technology",
                "high_volume",
                "lapsed",
            ),
        )
    )
    pool = pool[np.argsort(orders.first_day[pool], kind="stable")]
    pool_first = orders.first_day[pool]
    taken = np.zeros(len(pool), dtype=bool)
    for advocate, k in zip(advocates.tolist(), wanted.tolist()):
        lo = int(np.searchsorted(pool_first, orders.first_day[advocate] + 7, side="right"))
        tries = 0
        while k and tries < 30 and lo < len(pool):
            j = lo + int(rng.integers(len(pool) - lo))
            tries += 1
            if not taken[j]:
                taken[j] = True
                referred_by[pool[j]] = advocate
                referrals[advocate] += 1
                k -= 1
    pop.referred_by = referred_by
    pop.channel[referred_by >= 0] = 0  # "referral" is the first acquisition channel
    pop.overlays["benchmark"] = referrals >= 2
    return referrals


def _kinds(rng, weights: np.ndarray, size: int) -> np.ndarray:
    return rng.choice(len(weights), size=size, p=weights / weights.sum())


def customer_interactions(rng: np.random.Generator, pop: Population, orders: Orders) -> Events:
    """Interactions of customers, and each prospect's creation day (kept on the population)."""
    n = pop.size
    kind = np.array(PRIMARY)[pop.primary]
    events = Events.empty()
    created_day = np.full(n, END_DAY)

    reaching = np.flatnonzero(kind == "reaching")
    created_day[reaching] = rng.integers(0, END_DAY + 1, len(reaching))
    for persona, per_lo, per_hi, weights, latest in (
        ("acquisition", 1, 3, INBOUND_KIND_WEIGHTS, END_DAY - 30),
        ("wanderer", 3, 9, LOOKING_KIND_WEIGHTS, END_DAY - 90),
    ):
        who = np.flatnonzero(kind == persona)
        created_day[who] = rng.integers(0, latest, len(who))
        per = rng.integers(per_lo, per_hi, len(who))
        owner, minute = spread(rng, who, per, created_day[who] + 1, np.full(len(who), END_DAY))
        # Acquisition prospects get at most two: engaged, not wandering.
        events.add(owner, _kinds(rng, weights, len(owner)), minute)

    buyer = np.flatnonzero(orders.order_count > 0)
    first, last = orders.first_day[buyer], orders.last_day[buyer]
    silent = np.isin(kind[buyer], ("lapsed", "lost"))
    hi = np.where(silent, last, np.minimum(last + 30, END_DAY))
    per = np.minimum(rng.poisson(2.2, len(buyer)), 4)
    owner, minute = spread(rng, buyer, per, first + 1, hi)
    org = pop.is_org[owner]
    unplanned = kind[owner] == "impulsive"
    kinds = np.where(
        org, _kinds(rng, ORG_KIND_WEIGHTS, len(owner)), _kinds(rng, PERSON_KIND_WEIGHTS, len(owner))
    )
    kinds = np.where(unplanned, _kinds(rng, UNPLANNED_KIND_WEIGHTS, len(owner)), kinds)
    events.add(owner, kinds, minute)

    # Sophisticated buyers ask three or more questions before their first order.
    who = np.flatnonzero(pop.overlays["sophisticated"])
    per = rng.integers(3, 6, len(who))
    owner, minute = spread(rng, who, per, orders.first_day[who] - 120, orders.first_day[who] - 1)
    events.add(owner, np.full(len(owner), INQUIRY), minute)

    owner_all, _, minute_all = events.arrays()
    first_event = np.full(n, END_DAY)
    np.minimum.at(first_event, owner_all, minute_all // MINUTES_PER_DAY)
    first_event = np.where(
        orders.order_count > 0, np.minimum(first_event, orders.first_day), first_event
    )
    is_prospect = np.isin(kind, ("reaching", "acquisition", "wanderer"))
    created_day = np.where(
        is_prospect, created_day, np.maximum(0, first_event - rng.integers(0, 11, n))
    )
    pop.created_minute = created_day * MINUTES_PER_DAY + rng.integers(0, 8 * 60, n)
    return events
