"""A campaign's random draws, reproducible and independent of who else is drawn.

- The hold-out: each customer's arm comes from a salted hash of (seed, campaign, customer) — the
  salt from the seed and the campaign (BLAKE2b), mixed with the customer's id by SplitMix64's
  finaliser into a uniform number in [0, 1); the customer is in the hold-out when it falls under
  the share. The same seed draws the same arms again, and a customer's arm does not depend on the
  other members (a segment that grows leaves every earlier member where it was).
- Coupon codes: `CP<campaign>-` and eight characters of Crockford's base 32 (no I, L, O or U),
  40 random bits drawn unique within the campaign; the prefix makes them unique across campaigns
  and tells a campaign's coupon from a shop's own codes ("HEMAT").
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
COUPON_CHARS = 8
COUPON_PATTERN = re.compile(r"^CP([0-9]{1,18})-([0-9A-HJKMNP-TV-Z]{8})$")
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def draw_salt(seed: str, campaign_key: str) -> int:
    """The 64-bit salt of a seed and a campaign."""
    digest = hashlib.blake2b(f"{seed}\x00{campaign_key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def uniform_draws(customer_ids: np.ndarray, salt: int) -> np.ndarray:
    """One number in [0, 1) per customer id, a function of (salt, id) alone."""
    x = np.asarray(customer_ids, dtype=np.int64).astype(np.uint64) ^ np.uint64(salt)
    with np.errstate(over="ignore"):
        x = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK64
        x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK64
        x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK64
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


def holdout_mask(customer_ids: np.ndarray, share: float, salt: int) -> np.ndarray:
    """True for the customers drawn into the hold-out (0 < share < 1)."""
    if not 0.0 < share < 1.0:
        raise ValueError(f"the hold-out share must be between 0 and 1, not {share}")
    return uniform_draws(customer_ids, salt) < share


def coupon_codes(campaign_number: int, count: int, rng: np.random.Generator) -> list[str]:
    """`count` distinct coupon codes of one campaign."""
    numbers = np.unique(rng.integers(0, 1 << (5 * COUPON_CHARS), count, dtype=np.int64))
    while len(numbers) < count:  # a repeat among the draws: draw the missing ones again
        extra = rng.integers(0, 1 << (5 * COUPON_CHARS), count - len(numbers), dtype=np.int64)
        numbers = np.unique(np.concatenate([numbers, extra]))
    rng.shuffle(numbers)  # unique() sorted them
    shifts = np.arange(COUPON_CHARS - 1, -1, -1, dtype=np.int64) * 5
    digits = (numbers[:, None] >> shifts[None, :]) & 31
    alphabet = np.array(list(CROCKFORD), dtype="<U1")
    texts = np.ascontiguousarray(alphabet[digits]).view(f"<U{COUPON_CHARS}").ravel()
    prefix = f"CP{campaign_number}-"
    return [prefix + text for text in texts.tolist()]


def coupon_campaign(code: str) -> int | None:
    """The campaign number of a code in the shape of a campaign's coupon (case and surrounding
    spaces ignored), or None for any other code."""
    found = COUPON_PATTERN.match(code.strip().upper())
    return int(found.group(1)) if found else None
