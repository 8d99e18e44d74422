"""The hold-out draw and the coupon codes: reproducible, independent of the other members."""

from __future__ import annotations

import numpy as np
import pytest

from daur.analytics.campaign_draw import (
    coupon_campaign,
    coupon_codes,
    draw_salt,
    holdout_mask,
    uniform_draws,
)


def test_the_same_seed_draws_the_same_arms_and_another_seed_others():
    ids = np.arange(1, 20_001)
    salt = draw_salt("s1", "7")
    first = holdout_mask(ids, 0.1, salt)
    assert np.array_equal(first, holdout_mask(ids, 0.1, draw_salt("s1", "7")))
    assert not np.array_equal(first, holdout_mask(ids, 0.1, draw_salt("s2", "7")))
    assert not np.array_equal(first, holdout_mask(ids, 0.1, draw_salt("s1", "8")))


def test_a_customer_arm_does_not_depend_on_the_other_members():
    ids = np.arange(1, 5001)
    salt = draw_salt("x", "3")
    whole = holdout_mask(ids, 0.2, salt)
    part = holdout_mask(ids[::7], 0.2, salt)
    assert np.array_equal(part, whole[::7])


@pytest.mark.parametrize("share", [0.05, 0.1, 0.5])
def test_the_holdout_share_is_kept_within_sampling_error(share):
    n = 100_000
    held = holdout_mask(np.arange(10**6, 10**6 + n), share, draw_salt("seed", "1"))
    se = (share * (1 - share) / n) ** 0.5
    assert abs(held.mean() - share) < 4 * se


def test_draws_are_uniform():
    u = uniform_draws(np.arange(50_000), draw_salt("u", "u"))
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    assert u.min() >= 0 and u.max() < 1
    chi2 = ((counts - 5000) ** 2 / 5000).sum()
    assert chi2 < 30  # 9 degrees of freedom: p < 0.001 above 27.9


@pytest.mark.parametrize("share", [0.0, 1.0, -0.1, 1.5])
def test_a_share_of_zero_or_one_is_refused(share):
    with pytest.raises(ValueError, match="between 0 and 1"):
        holdout_mask(np.arange(3), share, 1)


def test_coupon_codes_are_unique_and_read_back():
    codes = coupon_codes(42, 50_000, np.random.default_rng(1))
    assert len(set(codes)) == 50_000
    assert all(coupon_campaign(code) == 42 for code in codes[:1000])
    assert coupon_campaign(codes[0].lower() + " ") == 42
    assert coupon_campaign("HEMAT") is None
    assert coupon_campaign("CP42-ILOU0000") is None  # letters Crockford leaves out


def test_coupon_codes_redraw_repeats():
    class Repeating:
        """Draws the same number until asked for one only."""

        def __init__(self):
            self.calls = 0

        def integers(self, low, high, size, dtype):
            self.calls += 1
            return np.zeros(size, dtype=dtype) if size > 1 else np.full(size, 5, dtype=dtype)

        def shuffle(self, values):
            pass

    rng = Repeating()
    codes = coupon_codes(1, 2, rng)
    assert sorted(codes) == ["CP1-00000000", "CP1-00000005"] and rng.calls == 2
