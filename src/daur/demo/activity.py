"""Everything around the orders: referrals, overlay personas, interactions, tickets and surveys."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from daur.analytics.rules_config import RulesConfig
from daur.definitions.surveys import nps_band
from daur.demo.orders import Orders
from daur.demo.people import PRIMARY, Population
from daur.demo.timeline import END_DAY, END_MINUTE, MINUTES_PER_DAY
from daur.vocabulary import INTERACTION_KINDS, TICKET_KINDS

K = {kind: code for code, kind in enumerate(INTERACTION_KINDS)}
VISIT, INQUIRY = K["visit"], K["inquiry"]
COMPLAINT, REQUEST, SUGGESTION = (
    TICKET_KINDS.index(k) for k in ("complaint", "request", "suggestion")
)
# Kind weights (visit, inquiry, call, email, meeting, event, reply).
PERSON_KIND_WEIGHTS = np.array([25, 15, 15, 15, 0, 10, 20], dtype=float)
ORG_KIND_WEIGHTS = np.array([5, 10, 30, 25, 30, 0, 0], dtype=float)
UNPLANNED_KIND_WEIGHTS = np.array([0, 0, 20, 35, 0, 15, 30], dtype=float)
INBOUND_KIND_WEIGHTS = np.array([40, 30, 0, 0, 0, 15, 15], dtype=float)
LOOKING_KIND_WEIGHTS = np.array([60, 40, 0, 0, 0, 0, 0], dtype=float)


def _share(customers: int, rate: float) -> int:
    return max(1, int(round(rate * customers)))


def _pick(rng: np.random.Generator, candidates: np.ndarray, wanted: int) -> np.ndarray:
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
        _pick(
            rng,
            np.flatnonzero(buyer & plain & (kind != "impulsive") & (orders.first_day >= 150)),
            _share(n, 0.04),
        ),
    )
    pop.overlays["difficult"] = np.isin(
        np.arange(n),
        _pick(
            rng,
            np.flatnonzero(
                buyer & plain & ~pop.loyal & (kind != "lost") & (orders.first_day <= END_DAY - 60)
            ),
            _share(n, 0.04),
        ),
    )
    pop.overlays["inspiring"] = np.isin(
        np.arange(n), _pick(rng, np.flatnonzero(buyer & (kind != "internal")), _share(n, 0.03))
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


@dataclass
class Events:
    """Rows of one kind of event built in chunks: owner index, a kind code and a minute."""

    owner: list
    kind: list
    minute: list

    @classmethod
    def empty(cls) -> Events:
        return cls([], [], [])

    def add(self, owner: np.ndarray, kind: np.ndarray, minute: np.ndarray) -> None:
        self.owner.append(np.asarray(owner, dtype=np.int64))
        self.kind.append(np.asarray(kind, dtype=np.int64))
        self.minute.append(np.asarray(minute, dtype=np.int64))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.owner:
            return (np.zeros(0, np.int64),) * 3
        return (np.concatenate(self.owner), np.concatenate(self.kind), np.concatenate(self.minute))


def spread(
    rng, who: np.ndarray, per: np.ndarray, lo_day: np.ndarray, hi_day: np.ndarray, hours=(8, 21)
):
    """`per[i]` events for `who[i]` on days uniform in [lo_day[i], hi_day[i]] at shop hours."""
    per = np.where(hi_day >= lo_day, per, 0)
    owner = np.repeat(who, per)
    lo = np.repeat(lo_day, per)
    hi = np.repeat(hi_day, per)
    day = lo + np.floor(rng.random(len(owner)) * (hi - lo + 1)).astype(np.int64)
    minute = day * MINUTES_PER_DAY + rng.integers(hours[0] * 60, hours[1] * 60, len(owner))
    return owner, np.minimum(minute, END_MINUTE)


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


def _clock(rng, size: int, median_hours: np.ndarray, sigma: float) -> np.ndarray:
    return np.maximum(5, np.round(rng.lognormal(np.log(median_hours * 60), sigma, size)))


def customer_tickets(rng: np.random.Generator, pop: Population, orders: Orders):
    """Tickets as arrays, and which customers got a general complaint."""
    n = pop.size
    kind = np.array(PRIMARY)[pop.primary]
    buyer = orders.order_count > 0
    difficult = pop.overlays["difficult"]
    inspiring = pop.overlays["inspiring"]
    tickets = Events.empty()

    general = np.flatnonzero(buyer & ~difficult & ~inspiring & (kind != "internal"))
    general = _pick(rng, general, _share(n, 0.08))
    per = rng.integers(1, 3, len(general))
    hi = np.where(
        np.isin(kind[general], ("lapsed", "lost")),
        np.minimum(orders.last_day[general] + 60, END_DAY),
        END_DAY,
    )
    owner, minute = spread(rng, general, per, orders.first_day[general], hi, (7, 22))
    first_of_owner = np.r_[True, owner[1:] != owner[:-1]]
    complaint = first_of_owner & (rng.random(len(owner)) < 0.4)  # at most one each
    tickets.add(owner, np.where(complaint, COMPLAINT, REQUEST), minute)
    complained = np.zeros(n, dtype=bool)
    complained[owner[complaint]] = True

    who = np.flatnonzero(difficult)
    repeat = rng.random(len(who)) < 0.6  # two or more complaints in the last year ...
    a = who[repeat]
    owner, minute = spread(
        rng,
        a,
        rng.integers(2, 4, len(a)),
        np.maximum(orders.first_day[a], END_DAY - 360),
        np.full(len(a), END_DAY - 1),
        (7, 22),
    )
    tickets.add(owner, np.full(len(owner), COMPLAINT), minute)
    b = who[~repeat]  # ... or one complaint and a detractor's answer after it
    owner_b, minute_b = spread(
        rng,
        b,
        np.ones(len(b), dtype=int),
        orders.first_day[b],
        np.full(len(b), END_DAY - 2),
        (7, 22),
    )
    tickets.add(owner_b, np.full(len(owner_b), COMPLAINT), minute_b)
    detractor_after = np.full(n, -1)
    detractor_after[owner_b] = minute_b // MINUTES_PER_DAY

    who = np.flatnonzero(inspiring)
    owner, minute = spread(
        rng,
        who,
        rng.integers(1, 4, len(who)),
        orders.first_day[who],
        np.full(len(who), END_DAY),
        (7, 22),
    )
    first_of_owner = np.r_[True, owner[1:] != owner[:-1]]
    suggestion = first_of_owner | (rng.random(len(owner)) < 0.85)
    tickets.add(owner, np.where(suggestion, SUGGESTION, REQUEST), minute)

    owner, kinds, opened = tickets.arrays()
    order = np.lexsort((owner, opened))
    owner, kinds, opened = owner[order], kinds[order], opened[order]
    count = len(owner)
    priority = np.where(
        kinds == COMPLAINT,
        rng.choice([1, 2, 3], count, p=[0.4, 0.4, 0.2]),
        np.where(kinds == REQUEST, rng.choice([0, 1], count, p=[0.4, 0.6]), 0),
    )
    response_median = np.array([8.0, 4.0, 1.5, 0.5])[priority]
    response = opened + _clock(rng, count, response_median, 0.9)
    resolution_median = np.array([36.0, 20.0, 240.0])[kinds]
    resolved = response + _clock(rng, count, resolution_median, 1.0)
    status = np.where(resolved < END_MINUTE - 7 * MINUTES_PER_DAY, 4, 3)
    pending = resolved > END_MINUTE
    status = np.where(pending, rng.choice([1, 2], count), status)
    resolved = np.where(pending, -1, resolved)
    silent = response > END_MINUTE
    status = np.where(silent, 0, status)
    response = np.where(silent, -1, response)
    asked = (resolved >= 0) & (rng.random(count) < 0.7)
    satisfaction_p = np.array(
        [[0.15, 0.2, 0.3, 0.25, 0.1], [0.02, 0.05, 0.15, 0.4, 0.38], [0.0, 0.0, 0.1, 0.4, 0.5]]
    )
    satisfaction = np.zeros(count, dtype=int)
    for k in range(3):
        rows = kinds == k
        satisfaction[rows] = rng.choice(5, int(rows.sum()), p=satisfaction_p[k]) + 1
    satisfaction = np.where(asked, satisfaction, 0)
    accepted = np.where(kinds == SUGGESTION, (rng.random(count) < 0.4).astype(int), -1)
    suggestions = np.flatnonzero(kinds == SUGGESTION)
    if len(suggestions) and not (accepted == 1).any():
        accepted[suggestions[0]] = 1
    tickets = {
        "customer": owner,
        "kind": kinds,
        "opened": opened,
        "response": response,
        "resolved": resolved,
        "status": status,
        "accepted": accepted,
        "satisfaction": satisfaction,
        "priority": priority,
    }
    return tickets, complained, detractor_after


COMMENTS = {
    "promoter": (
        "Pelayanan cepat dan ramah, pasti beli lagi.",
        "Great prices and fast delivery.",
        "Sudah rekomendasikan ke keluarga.",
        "Ottimo servizio, consigliato!",
        "Barang original, garansi jelas.",
    ),
    "passive": (
        "Cukup baik, pengiriman agak lama.",
        "Good products, website could be better.",
        "Harga oke, pilihan kurang banyak.",
        "Tutto bene, consegna un po' lenta.",
    ),
    "detractor": (
        "Pengiriman terlambat dua minggu.",
        "Customer service did not call back.",
        "Barang rusak saat diterima.",
        "Prezzi troppo alti, assistenza lenta.",
        "Retur barang sangat ribet.",
    ),
}
GENERAL_NPS = np.array([2, 1, 2, 3, 3, 5, 6, 12, 16, 22, 28], dtype=float)


def customer_surveys(
    rng,
    pop: Population,
    orders: Orders,
    referrals: np.ndarray,
    complained: np.ndarray,
    detractor_after: np.ndarray,
):
    n = pop.size
    buyer = orders.order_count > 0
    difficult = pop.overlays["difficult"]
    owners, days, scores = [], [], []

    # Loyal customers who recommend by word rather than by referral answer as promoters.
    loyal = np.flatnonzero(pop.loyal)
    answer = (referrals[loyal] == 0) | (rng.random(len(loyal)) < 0.5)
    who = loyal[answer]
    owner, minute = spread(
        rng,
        who,
        rng.integers(1, 3, len(who)),
        orders.first_day[who] + 3,
        np.full(len(who), END_DAY),
    )
    owners.append(owner)
    days.append(minute)
    scores.append(rng.integers(9, 11, len(owner)))

    who = np.flatnonzero(detractor_after >= 0)
    owner, minute = spread(
        rng, who, np.ones(len(who), dtype=int), detractor_after[who] + 1, np.full(len(who), END_DAY)
    )
    owners.append(owner)
    days.append(minute)
    scores.append(rng.integers(0, 7, len(owner)))

    general = _pick(rng, np.flatnonzero(buyer & ~pop.loyal & ~difficult), _share(n, 0.2))
    owner, minute = spread(
        rng,
        general,
        np.ones(len(general), dtype=int),
        orders.first_day[general] + 3,
        np.full(len(general), END_DAY),
    )
    score = rng.choice(11, len(owner), p=GENERAL_NPS / GENERAL_NPS.sum())
    # Repeat buyers who are not planted as loyal stay short of promoting; a customer who
    # complained once is not also a detractor (that would make them difficult).
    score = np.where(orders.order_count[owner] > 2, np.minimum(score, 8), score)
    score = np.where(complained[owner], np.clip(score, 7, 8), score)
    owners.append(owner)
    days.append(minute)
    scores.append(score)

    owner = np.concatenate(owners)
    minute = np.concatenate(days)
    score = np.concatenate(scores)
    order = np.lexsort((owner, minute))
    owner, minute, score = owner[order], minute[order], score[order]
    _, unique = np.unique(owner * (END_MINUTE + 1) + minute, return_index=True)
    unique = np.sort(unique)
    owner, minute, score = owner[unique], minute[unique], score[unique]
    # The comment fits the answer's band (the SPEC's bands: the demo is the same whatever the
    # rules file says).
    bands = RulesConfig()
    band = [nps_band(nps, bands) for nps in score.tolist()]
    pick = rng.integers(0, 5, len(owner))
    with_comment = rng.random(len(owner)) < 0.6
    comment = [
        COMMENTS[b][p % len(COMMENTS[b])] if c else ""
        for b, p, c in zip(band, pick.tolist(), with_comment.tolist())
    ]
    return owner, minute, score, comment
