"""Who the demo customers are: planted personas, names, markets, owners and acquisition channels.

The words the names are made of are in `names`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from daur.demo.names import (
    B2B_INDUSTRIES,
    DEPARTMENTS,
    ID_CITIES,
    ID_FIRST,
    ID_LAST,
    ID_MAILS,
    IT_CITIES,
    IT_FIRST,
    IT_LAST,
    IT_MAILS,
    ORG_WORDS,
    RESELLER_INDUSTRIES,
)
from daur.vocabulary import ACQUISITION_CHANNELS, B2B_CHANNELS, B2C_CHANNELS

# The behaviour each customer is generated from (exactly one per customer). Overlays such as
# difficult or benchmark are added on top.
PRIMARY_SHARES = {
    "reaching": 0.07,
    "acquisition": 0.06,
    "wanderer": 0.04,
    "need_oriented": 0.08,
    "discount": 0.08,
    "impulsive": 0.04,
    "loyal": 0.07,
    "lapsed": 0.07,
    "lost": 0.07,
    "affluent": 0.03,
    "high_volume": 0.025,
    "technology": 0.04,
    "new_customer": 0.06,
    "reseller": 0.015,
    "internal": 0.005,
    "b2b": 0.05,
    "regular": 0.0,  # takes the rest
}
PRIMARY = tuple(PRIMARY_SHARES)
P = {name: code for code, name in enumerate(PRIMARY)}
PROSPECTS = (P["reaching"], P["acquisition"], P["wanderer"])
ORGANIZATIONS = (P["reseller"], P["internal"], P["b2b"])
# Italian (EUR) customers are plain consumers; the planted extremes stay in one currency.
EUR_ELIGIBLE = tuple(
    P[k]
    for k in (
        "reaching",
        "acquisition",
        "regular",
        "need_oriented",
        "discount",
        "loyal",
        "lapsed",
        "lost",
        "new_customer",
    )
)

SALES_REPS = ("demo-rep", "demo-rep2", "demo-rep3")
# A person comes through a consumer channel or one of the shared ones.
PERSON_CHANNELS = (
    *B2C_CHANNELS,
    "website",
    "search_engine",
    "publicity",
    "telemarketing",
    "email",
)
_PERSON_CHANNEL_WEIGHTS = np.array([12, 3, 3, 10, 8, 3, 5, 4, 14, 14, 4, 3, 5], dtype=float)


@dataclass
class Population:
    """One array entry per customer; filled in by people, orders and activity in turn."""

    primary: np.ndarray
    is_org: np.ndarray
    relationship: np.ndarray  # index into RELATIONSHIPS
    is_eur: np.ndarray
    country: list[str]
    city: list[str]
    industry: list[str]
    name: list[str]
    email: list[str]
    phone: list[str]
    owner: list[str]
    channel: np.ndarray  # index into ACQUISITION_CHANNELS, -1 for none
    loyal: np.ndarray
    overlays: dict[str, np.ndarray] = field(default_factory=dict)
    campaign: np.ndarray | None = None  # index into campaigns, -1 for none
    referred_by: np.ndarray | None = None
    created_minute: np.ndarray | None = None

    @property
    def size(self) -> int:
        return len(self.primary)


def allocate(customers: int) -> np.ndarray:
    """Customers per primary persona: proportional, at least one each where the size allows."""
    shares = np.array(list(PRIMARY_SHARES.values()))
    counts = np.floor(shares * customers).astype(int)
    if customers >= 2 * len(PRIMARY):
        counts = np.maximum(counts, 1)
        counts[P["regular"]] = 0
        counts[P["regular"]] = customers - counts.sum()
        return counts
    order = np.argsort(-shares, kind="stable")  # a tiny business: one of the commonest kinds each
    counts[:] = 0
    for position in range(customers):
        counts[order[position % len(order)]] += 1
    return counts


def _choose(rng: np.random.Generator, options: tuple, size: int, weights=None) -> np.ndarray:
    p = None if weights is None else np.asarray(weights, dtype=float) / np.sum(weights)
    return rng.choice(len(options), size=size, p=p)


def build_population(rng: np.random.Generator, customers: int) -> Population:
    counts = allocate(customers)
    primary = rng.permutation(np.repeat(np.arange(len(PRIMARY)), counts))
    n = customers
    is_org = np.isin(primary, ORGANIZATIONS)
    relationship = np.zeros(n, dtype=int)
    relationship[primary == P["reseller"]] = 1
    relationship[primary == P["internal"]] = 2
    is_eur = np.isin(primary, EUR_ELIGIBLE) & (rng.random(n) < 0.07)
    if customers >= 20 and not is_eur.any():
        is_eur[np.flatnonzero(np.isin(primary, EUR_ELIGIBLE))[0]] = True

    id_city = _choose(rng, ID_CITIES, n, [w for _, w in ID_CITIES])
    it_city = _choose(rng, IT_CITIES, n, [w for _, w in IT_CITIES])
    city = [
        IT_CITIES[i][0] if eur else ID_CITIES[j][0]
        for eur, i, j in zip(is_eur.tolist(), it_city.tolist(), id_city.tolist())
    ]
    country = ["IT" if eur else "ID" for eur in is_eur.tolist()]

    first_id = _choose(rng, ID_FIRST, n)
    last_id = _choose(rng, ID_LAST, n)
    first_it = _choose(rng, IT_FIRST, n)
    last_it = _choose(rng, IT_LAST, n)
    mail_id = _choose(rng, ID_MAILS, n)
    mail_it = _choose(rng, IT_MAILS, n)
    org_a = _choose(rng, ORG_WORDS, n)
    org_b = _choose(rng, ORG_WORDS, n)
    org_prefix = rng.random(n)
    b2b_ind = _choose(rng, B2B_INDUSTRIES, n)
    res_ind = _choose(rng, RESELLER_INDUSTRIES, n)
    dept = _choose(rng, DEPARTMENTS, n)
    rep = _choose(rng, SALES_REPS, n)
    # Unique phone numbers: an affine permutation of the customer number.
    phone_digits = (np.arange(n, dtype=np.int64) * 7_919_113 + 12_345_678) % 900_000_000 + 10**8

    names, emails, phones, industries, owners = [], [], [], [], []
    seen: dict[str, int] = {}
    for i in range(n):
        kind = PRIMARY[primary[i]]
        digits = int(phone_digits[i])
        if kind == "internal":
            base = f"Internal - {DEPARTMENTS[dept[i]]} ({city[i]})"
            slug = DEPARTMENTS[dept[i]].lower().replace(" ", "-")
            email, industry, owner = f"{slug}.{i}@daur-retail.co.id", "", ""
        elif is_org[i]:
            prefix = (
                "Toko"
                if kind == "reseller" and org_prefix[i] < 0.5
                else ("CV" if org_prefix[i] < 0.7 else "PT")
            )
            base = f"{prefix} {ORG_WORDS[org_a[i]]} {ORG_WORDS[org_b[i]]} {city[i]}"
            slug = f"{ORG_WORDS[org_a[i]]}{ORG_WORDS[org_b[i]]}".lower()
            email = f"info{i}@{slug}.co.id"
            industry = (
                RESELLER_INDUSTRIES[res_ind[i]]
                if kind == "reseller"
                else B2B_INDUSTRIES[b2b_ind[i]]
            )
            owner = SALES_REPS[rep[i]]
        elif is_eur[i]:
            first, last = IT_FIRST[first_it[i]], IT_LAST[last_it[i]]
            base = f"{first} {last}"
            local = f"{first}.{last}".lower().replace(" ", "")
            email = f"{local}{i}@{IT_MAILS[mail_it[i]]}"
            industry, owner = "", ""
        else:
            first, last = ID_FIRST[first_id[i]], ID_LAST[last_id[i]]
            base = f"{first} {last}"
            email = f"{first}.{last}{i}@{ID_MAILS[mail_id[i]]}".lower()
            industry, owner = "", ""
        if is_org[i]:  # companies are told apart by name; people may share one
            seen[base] = seen.get(base, 0) + 1
            name = base if seen[base] == 1 else f"{base} {seen[base]}"
        else:
            name = base
        if is_eur[i]:
            phone = f"+39 3{digits % 100:02d} {digits // 100 % 10_000_000:07d}"
        else:
            phone = f"+62 8{digits % 100:02d}-{digits // 100 % 10_000:04d}-{digits // 10**6:04d}"
        names.append(name)
        emails.append(email)
        phones.append(phone)
        industries.append(industry)
        owners.append(owner)

    person_channel = np.array([ACQUISITION_CHANNELS.index(c) for c in PERSON_CHANNELS])[
        _choose(rng, PERSON_CHANNELS, n, _PERSON_CHANNEL_WEIGHTS)
    ]
    b2b_channels = [c for c in B2B_CHANNELS if c != "referral"]
    org_channel = np.array([ACQUISITION_CHANNELS.index(c) for c in b2b_channels])[
        rng.integers(len(b2b_channels), size=n)
    ]
    channel = np.where(is_org, org_channel, person_channel)
    channel[primary == P["internal"]] = -1

    loyal = primary == P["loyal"]
    # A third of the need-oriented are also loyal: regular buyers of two product lines who
    # recommend the shop.
    need = np.flatnonzero(primary == P["need_oriented"])
    loyal[need[rng.random(len(need)) < 0.3]] = True
    return Population(
        primary=primary,
        is_org=is_org,
        relationship=relationship,
        is_eur=is_eur,
        country=country,
        city=city,
        industry=industries,
        name=names,
        email=emails,
        phone=phones,
        owner=owners,
        channel=channel,
        loyal=loyal,
    )
