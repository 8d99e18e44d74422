"""Duplicate detection rules on hand-made cases: keys, blocks, scores and evidence."""

from __future__ import annotations

import pytest

from daur.analytics.contact_keys import email_key, name_tokens, phone_key, sound_key
from daur.analytics.duplicates import THRESHOLD, Party, duplicate_pairs, keys_of, pair_score


def keys(key, name, **details):
    return keys_of(Party(key=key, name=name, **details), default_country="ID")


ADI = keys(1, "Adi Putra", email="Adi.Putra@Example.com", phone="0812-3456-7890", city="Jakarta")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Adi.Putra@Example.COM ", "adi.putra@example.com"),
        ("a.di.putra+shop@GMAIL.com", "adiputra@gmail.com"),
        ("adiputra@googlemail.com", "adiputra@gmail.com"),
        ("first.last+tag@toko.id", "first.last+tag@toko.id"),  # only Gmail ignores dots and tags
        ("not an address", ""),
        ("", ""),
    ],
)
def test_email_key(raw, expected):
    assert email_key(raw) == expected


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("0812-3456-7890", "", "+6281234567890"),
        ("+62 812 3456 7890", "", "+6281234567890"),
        ("(0812) 34567890", "ID", "+6281234567890"),
        ("0039 347 123 4567", "IT", "+393471234567"),  # Italy dials out with 00
        ("347 123 4567", "IT", "+393471234567"),  # read in the customer's own country
        ("+39 347 123 4567", "ID", "+393471234567"),
        ("12", "", ""),
        ("call me", "", ""),
    ],
)
def test_phone_key_is_e164_in_the_default_or_own_country(raw, country, expected):
    assert phone_key(raw, country=country, default_country="ID") == expected


def test_name_tokens_drop_titles_accents_and_order():
    assert name_tokens("Ibu Sri WAHYUNI") == name_tokens("Wahyuni, Sri")
    assert name_tokens("Niccolò Ricci") == ("niccolo", "ricci")
    assert name_tokens("PT Maju Jaya Tbk") == ("jaya", "maju")
    assert sound_key("santoso") == sound_key("sentosa")


def test_same_email_in_another_case_is_a_duplicate():
    other = keys(2, "adi putra", email=" ADI.PUTRA@example.com")
    scored = pair_score(ADI, other)
    assert scored.score >= 0.9
    assert ("email", "same") in {(e.field, e.match) for e in scored.evidence}


def test_phone_in_another_format_is_a_duplicate():
    other = keys(2, "Adi Putra", phone="+62 812-3456-7890")
    scored = pair_score(ADI, other)
    assert scored.score >= 0.9
    assert any(e.field == "phone" and e.detail == "+6281234567890" for e in scored.evidence)


def test_typo_in_the_name_with_the_same_phone_is_a_duplicate():
    other = keys(2, "Adi Ptra", phone="6281234567890", city="Jakarta")
    scored = pair_score(ADI, other)
    assert scored.score >= 0.8
    assert ("name", "close") in {(e.field, e.match) for e in scored.evidence}


def test_namesakes_with_different_contact_details_are_not_duplicates():
    namesake = keys(2, "Adi Putra", email="adi.p@other.id", phone="0813 9999 1111", city="Jakarta")
    assert pair_score(ADI, namesake).score < THRESHOLD
    assert duplicate_pairs([ADI, namesake]) == []


def test_a_shared_mailbox_of_different_people_is_not_a_duplicate():
    colleague = keys(2, "Budi Santoso", email="adi.putra@example.com")
    scored = pair_score(ADI, colleague)
    assert scored.score < THRESHOLD
    assert ("name", "different") in {(e.field, e.match) for e in scored.evidence}


def test_pairs_come_from_blocks_each_once_best_first():
    records = [
        ADI,
        keys(2, "Adi Putra", email="adi.putra@example.com", phone="+62 812 3456 7890"),
        keys(3, "Budi Santoso", email="budi@toko.id"),
        keys(4, "Budi Sentoso", email="BUDI@toko.id", city="Bandung"),
        keys(5, "Citra Lestari", phone="0811 2222 3333"),
    ]
    pairs = duplicate_pairs(records)
    assert [(p.a, p.b) for p in pairs] == [(1, 2), (3, 4)]
    assert pairs[0].score >= pairs[1].score
    assert "same e-mail adi.putra@example.com" in pairs[0].evidence_text()


def test_a_block_larger_than_the_limit_is_skipped():
    shared = [keys(i, f"Person {i}", email="info@toko.id") for i in range(6)]
    assert duplicate_pairs(shared, threshold=0.0, max_block=5) == []
    assert len(duplicate_pairs(shared, threshold=0.0, max_block=6)) == 15


def test_the_shortcut_never_drops_a_pair_the_full_score_keeps():
    """Pairs skipped without a string distance could not have reached the threshold."""
    from itertools import combinations

    from daur.analytics.duplicates import _best_possible

    people = [
        keys(i, name, email=email, phone=phone, city=city, company=company)
        for i, (name, email, phone, city, company) in enumerate(
            [
                ("Adi Putra", "adi@toko.id", "", "Jakarta", ""),
                ("Adi Putra", "", "0812 3456 7890", "Jakarta", "Toko Adi"),
                ("Adi Ptra", "ADI@toko.id", "", "", "Toko Adi"),
                ("Adi Putra", "budi@toko.id", "+62 812 3456 7890", "Bandung", "Toko Adi"),
                ("Budi Santoso", "", "", "Jakarta", "Toko Adi"),
                ("Adi", "adi@gmail.com", "", "Jakarta", ""),
                ("Adi Putra", "a.di@gmail.com", "", "jakarta", "TOKO ADI"),
            ]
        )
    ]
    for left, right in combinations(people, 2):
        assert _best_possible(left, right) >= pair_score(left, right).score


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("threshold", [0.5, 0.3, 0.9])
def test_blocking_finds_every_pair_that_shares_a_block_and_scores_enough(seed, threshold):
    """The shortcuts (the best possible score, the name blocks' organisations) drop no pair the
    full score of every pair sharing a block would keep."""
    import random
    from itertools import combinations

    from daur.analytics.duplicates import matches_for

    rng = random.Random(seed)
    names = ["Adi Putra", "Adi Ptra", "Putra Adi", "Budi Santoso", "Budi Sentoso", "Adi"]
    emails = [
        "",
        "",
        "adi@toko.id",
        "ADI@toko.id",
        "budi@gmail.com",
        "b.udi@gmail.com",
        "x@toko.id",
    ]
    phones = ["", "", "0812 3456 7890", "+62 812-3456-7890", "0813 1111 2222"]
    people = [
        keys(i, rng.choice(names), email=rng.choice(emails), phone=rng.choice(phones),
             city=rng.choice(["", "Jakarta", "jakarta", "Bandung"]),
             company=rng.choice(["", "", "Toko Adi"]))
        for i in range(40)
    ]  # fmt: skip
    expected = {
        (a.party.key, b.party.key)
        for a, b in combinations(people, 2)
        if set(a.blocks()) & set(b.blocks()) and pair_score(a, b).score >= threshold
    }
    assert len(expected) >= 5  # the pools make pairs of every kind
    found = duplicate_pairs(people, threshold=threshold, max_block=1000)
    assert {(p.a, p.b) for p in found} == expected
    from daur.analytics.duplicates import blocks_of

    index = blocks_of(people[1:])
    one = {p.b for p in matches_for(people[0], index, threshold=threshold, max_block=1000)}
    assert one == {b for a, b in expected if a == 0}
