"""Suspected duplicates: blocking on normalised keys, then a score 0-1 with its evidence per pair.

Only records that share a block are compared (the same mailbox, the same E.164 number, the same
sound key of the name, or the same initials in the same city), so the work grows with the size of
the blocks, not with the square of the base. A block larger than `max_block` (a shared mailbox
like info@, a very common name) says little about any one pair and is skipped; its members still
meet in their other blocks.

The score adds weights of evidence (a Fellegi-Sunter-style log-odds sum) and maps the sum to 0-1
with the logistic function. Matching contact details weigh most; contact details present on both
sides and DIFFERENT weigh against, so namesakes with their own e-mail and phone are not duplicates.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from daur.analytics.contact_keys import (
    email_domain,
    email_key,
    name_block_keys,
    name_text,
    name_tokens,
    phone_key,
)

# Log-odds weights. PRIOR: duplicates are rare among records that merely share a block.
PRIOR = -4.0
WEIGHTS = {
    "email_same": 4.5,
    "email_different": -2.0,
    "phone_same": 4.0,
    "phone_different": -2.0,
    "name_same": 3.0,  # similarity >= 0.97
    "name_close": 2.0,  # >= 0.90: a typo
    "name_near": 0.8,  # >= 0.80
    # < 0.60: another person behind a shared mailbox and office phone (colleagues): outweighs
    # both contact details alone.
    "name_different": -5.5,
    "company_same": 1.0,
    "domain_same": 0.5,  # the same company e-mail domain (not a free-mail one)
    "city_same": 0.5,
    "city_different": -0.5,
}
THRESHOLD = 0.5
MAX_BLOCK = 100
FREE_MAIL = frozenset(
    {"gmail.com", "yahoo.com", "yahoo.co.id", "hotmail.com", "outlook.com", "live.com",
     "icloud.com", "libero.it", "virgilio.it", "tiscali.it", "alice.it", "aol.com",
     "protonmail.com", "ymail.com", "mail.com", "hotmail.it", "outlook.it"}
)  # fmt: skip


@dataclass(frozen=True)
class Party:
    """A customer or a lead as the detector sees it; `key` identifies it to the caller."""

    key: int | str
    name: str
    email: str = ""
    phone: str = ""
    company: str = ""
    city: str = ""
    country: str = ""


@dataclass(frozen=True)
class Keys:
    """A party's normalised details."""

    party: Party
    email: str
    phone: str
    tokens: tuple[str, ...]
    company: tuple[str, ...]
    city: str

    @property
    def organisation(self) -> bool:
        """Whether it names an organisation: a company, or an e-mail at a company's domain."""
        domain = email_domain(self.email)
        return bool(self.company) or bool(domain and domain not in FREE_MAIL)

    def blocks(self) -> tuple[str, ...]:
        keys = [*name_block_keys(self.tokens, self.city)]
        if self.email:
            keys.append(f"email:{self.email}")
        if self.phone:
            keys.append(f"phone:{self.phone}")
        return tuple(keys)


def keys_of(party: Party, *, default_country: str) -> Keys:
    return Keys(
        party=party,
        email=email_key(party.email),
        phone=phone_key(party.phone, country=party.country, default_country=default_country),
        tokens=name_tokens(party.name),
        company=name_tokens(party.company) if party.company.strip() else (),
        city=" ".join(name_tokens(party.city)),
    )


@dataclass(frozen=True)
class Evidence:
    """One finding about a pair: which field, how it compared, the value or similarity shown."""

    field: str  # email, phone, name, company, city
    match: str  # same, close, near, different
    detail: str  # the shared value, or the similarity as a percentage
    weight: float

    def text(self) -> str:
        """In English words, for the CSV export; the web pages translate from the fields."""
        label = {"email": "e-mail", "phone": "phone", "name": "name", "company": "company",
                 "domain": "e-mail domain", "city": "city"}[self.field]  # fmt: skip
        if self.match == "same":
            return f"same {label} {self.detail}".strip()
        if self.match == "different":
            return f"different {label}s"
        return f"{label}s {self.detail} alike"


@dataclass(frozen=True)
class PairScore:
    a: int | str
    b: int | str
    score: float
    evidence: tuple[Evidence, ...]

    def evidence_text(self) -> str:
        return "; ".join(e.text() for e in self.evidence)


def _similarity(left: tuple[str, ...], right: tuple[str, ...]) -> float:
    """0-1: the words compared in order, or a name whose words are all in the other ("Adi" and
    "Adi Putra") a little lower than an equal one."""
    a, b = name_text(left), name_text(right)
    return max(fuzz.token_sort_ratio(a, b), 0.95 * fuzz.token_set_ratio(a, b)) / 100.0


def _name_evidence(left: Keys, right: Keys) -> Evidence | None:
    if not left.tokens or not right.tokens:
        return None
    similarity = _similarity(left.tokens, right.tokens)
    shown = f"{similarity:.0%}"
    if similarity >= 0.97:
        return Evidence("name", "same", name_text(left.tokens), WEIGHTS["name_same"])
    if similarity >= 0.90:
        return Evidence("name", "close", shown, WEIGHTS["name_close"])
    if similarity >= 0.80:
        return Evidence("name", "near", shown, WEIGHTS["name_near"])
    if similarity < 0.60:
        return Evidence("name", "different", shown, WEIGHTS["name_different"])
    return None


def _contact_evidence(field: str, left: str, right: str) -> Evidence | None:
    if not left or not right:
        return None
    if left == right:
        return Evidence(field, "same", left, WEIGHTS[f"{field}_same"])
    return Evidence(field, "different", "", WEIGHTS[f"{field}_different"])


def _company_evidence(left: Keys, right: Keys) -> Evidence | None:
    if left.company and right.company and _similarity(left.company, right.company) >= 0.9:
        return Evidence("company", "same", name_text(left.company), WEIGHTS["company_same"])
    domain = email_domain(left.email)
    shared = domain and domain == email_domain(right.email) and left.email != right.email
    if shared and domain not in FREE_MAIL:
        return Evidence("domain", "same", domain, WEIGHTS["domain_same"])
    return None


def _best_possible(left: Keys, right: Keys) -> float:
    """The highest score the pair could reach, from equality tests alone (no string distance):
    most pairs met in a name block share no contact detail and cannot reach the threshold."""
    log_odds = PRIOR + WEIGHTS["name_same"]
    if left.email and left.email == right.email:
        log_odds += WEIGHTS["email_same"]
    if left.phone and left.phone == right.phone:
        log_odds += WEIGHTS["phone_same"]
    if left.company and right.company:
        log_odds += WEIGHTS["company_same"]
    elif email_domain(left.email) and email_domain(left.email) == email_domain(right.email):
        log_odds += WEIGHTS["domain_same"]
    if left.city and left.city == right.city:
        log_odds += WEIGHTS["city_same"]
    return _probability(log_odds)


def pair_score(left: Keys, right: Keys) -> PairScore:
    """The score 0-1 that two records are one party, and the evidence behind it."""
    found = [
        _contact_evidence("email", left.email, right.email),
        _contact_evidence("phone", left.phone, right.phone),
        _name_evidence(left, right),
        _company_evidence(left, right),
    ]
    if left.city and right.city:
        same = left.city == right.city
        found.append(
            Evidence(
                "city",
                "same" if same else "different",
                left.city if same else "",
                WEIGHTS["city_same" if same else "city_different"],
            )
        )
    evidence = tuple(e for e in found if e is not None)
    log_odds = PRIOR + sum(e.weight for e in evidence)
    return PairScore(left.party.key, right.party.key, _probability(log_odds), evidence)


def _probability(log_odds: float) -> float:
    return round(1.0 / (1.0 + math.exp(-log_odds)), 4)


def blocks_of(records: Iterable[Keys]) -> dict[str, list[Keys]]:
    blocks: dict[str, list[Keys]] = defaultdict(list)
    for record in records:
        for block in record.blocks():
            blocks[block].append(record)
    return blocks


def _compared(block: str, members: list[Keys], threshold: float) -> list[Keys]:
    """The members of a block worth comparing. In a name block, when a name alike and the city
    cannot reach the threshold alone, only pairs with a contact detail in common (they also meet
    in that detail's block) or with an organisation on both sides can: the others are left out
    before any pair is formed."""
    if block.startswith("email:") or block.startswith("phone:"):
        return members
    if _probability(PRIOR + WEIGHTS["name_same"] + WEIGHTS["city_same"]) >= threshold:
        return members
    return [m for m in members if m.organisation]


def duplicate_pairs(
    records: Sequence[Keys], *, threshold: float = THRESHOLD, max_block: int = MAX_BLOCK
) -> list[PairScore]:
    """Every pair of records sharing a block and scoring at least `threshold`, best first."""
    seen: set[tuple[int, int]] = set()
    found: list[PairScore] = []
    position = {id(r): i for i, r in enumerate(records)}
    for block, all_members in blocks_of(records).items():
        if len(all_members) > max_block:
            continue
        members = _compared(block, all_members, threshold)
        for i, left in enumerate(members):
            for right in members[i + 1 :]:
                pair = _ordered(position[id(left)], position[id(right)])
                if pair in seen:
                    continue
                seen.add(pair)
                if _best_possible(left, right) < threshold:
                    continue
                scored = pair_score(records[pair[0]], records[pair[1]])
                if scored.score >= threshold:
                    found.append(scored)
    found.sort(key=lambda p: (-p.score, str(p.a), str(p.b)))
    return found


def _ordered(i: int, j: int) -> tuple[int, int]:
    return (i, j) if i < j else (j, i)


def matches_for(
    record: Keys,
    blocks: dict[str, list[Keys]],
    *,
    threshold: float = THRESHOLD,
    max_block: int = MAX_BLOCK,
) -> Iterator[PairScore]:
    """The records of an indexed base that `record` (not in it) duplicates, best first."""
    seen: set[int] = set()
    found = []
    for block in record.blocks():
        members = blocks.get(block, [])
        if len(members) > max_block:
            continue
        if not _compared(block, [record], threshold):
            continue
        for other in _compared(block, members, threshold):
            if id(other) in seen or other.party.key == record.party.key:
                continue
            seen.add(id(other))
            if _best_possible(record, other) < threshold:
                continue
            scored = pair_score(record, other)
            if scored.score >= threshold:
                found.append(scored)
    found.sort(key=lambda p: (-p.score, str(p.b)))
    yield from found
