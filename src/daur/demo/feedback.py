"""What customers tell the business: tickets (complaints, requests, suggestions) and NPS answers.

The difficult and inspiring overlays planted in `activity` shape them: a difficult customer
complains, an inspiring one suggests.
"""

from __future__ import annotations

import numpy as np

from daur.demo.activity import pick, share
from daur.demo.orders import Orders
from daur.demo.people import PRIMARY, Population
from daur.demo.timeline import END_DAY, END_MINUTE, MINUTES_PER_DAY, Events, spread
from daur.vocabulary import TICKET_KINDS

COMPLAINT, REQUEST, SUGGESTION = (
    TICKET_KINDS.index(k) for k in ("complaint", "request", "suggestion")
)


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
    general = pick(rng, general, share(n, 0.08))
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
    """NPS answers as (customer, minute, score, comment), in time order, one a customer a minute."""
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

    general = pick(rng, np.flatnonzero(buyer & ~pop.loyal & ~difficult), share(n, 0.2))
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
    band = np.where(score >= 9, "promoter", np.where(score >= 7, "passive", "detractor"))
    phrase = rng.integers(0, 5, len(owner))
    with_comment = rng.random(len(owner)) < 0.6
    comment = [
        COMMENTS[b][p % len(COMMENTS[b])] if c else ""
        for b, p, c in zip(band.tolist(), phrase.tolist(), with_comment.tolist())
    ]
    return owner, minute, score, comment

