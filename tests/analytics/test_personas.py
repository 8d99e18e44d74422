"""Buyer personas (daur.analytics.personas): the same data gives the same personas, planted
groups are found, descriptions name what sets a group apart, and drift matching pairs runs."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from daur.analytics.personas import PersonaInput, personas_find, personas_match

# Three planted groups: (orders a year, order value, discount share, city, category, channel).
GROUPS = (
    (8.0, 150_000.0, 0.7, "Bandung", "Fashion", "web"),
    (1.0, 4_000_000.0, 0.05, "Jakarta", "Electronics", "store"),
    (3.0, 600_000.0, 0.3, "Surabaya", "Kitchen", "whatsapp"),
)


def planted(n: int, seed: int = 1) -> tuple[PersonaInput, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, len(GROUPS), n)
    orders = np.array([g[0] for g in GROUPS])[truth] * rng.lognormal(0, 0.2, n)
    value = np.array([g[1] for g in GROUPS])[truth] * rng.lognormal(0, 0.2, n)
    discount = np.clip(np.array([g[2] for g in GROUPS])[truth] + rng.normal(0, 0.08, n), 0, 1)
    recency = rng.exponential(60, n)

    def noisy(column: int) -> list[str]:
        chosen = np.array([g[column] for g in GROUPS], dtype=object)[truth]
        other = np.array([g[column] for g in GROUPS], dtype=object)[rng.integers(0, 3, n)]
        return [o if flip else c for c, o, flip in zip(chosen, other, rng.random(n) < 0.1)]

    main = noisy(4)
    shares = {}
    for g in GROUPS:
        share = np.where(np.array(main) == g[4], rng.uniform(0.6, 1.0, n), rng.uniform(0, 0.2, n))
        shares[g[4]] = share
    data = PersonaInput(
        numbers={
            "recency_days": recency,
            "orders_per_year": orders,
            "order_value": value,
            "discount_share": discount,
        },
        category_shares=shares,
        codes={
            "city": noisy(3),
            "channel": noisy(5),
            "country": ["ID"] * n,
            "orientation": list(rng.choice(["cost", "value", ""], n)),
            "relationship": ["external"] * n,
        },
    )
    return data, truth


def test_the_same_data_gives_the_same_personas():
    data, _ = planted(3000)
    one, two = personas_find(data, seed=0), personas_find(data, seed=0)
    assert one.k == two.k
    assert np.array_equal(one.labels, two.labels)
    assert [p.figures for p in one.personas] == [p.figures for p in two.personas]
    assert [p.size for p in one.personas] == sorted((p.size for p in one.personas), reverse=True)


def test_planted_groups_are_found_from_a_sample():
    data, truth = planted(12_000)
    fit = personas_find(data, sample_cap=3_000, seed=0)
    assert fit.k == 3 and fit.sample_size == 3_000
    assert adjusted_rand_score(truth, fit.labels) > 0.9
    assert sum(p.size for p in fit.personas) == 12_000


def test_descriptions_name_what_sets_each_group_apart():
    data, truth = planted(6000)
    fit = personas_find(data, seed=0)
    by_city = {p.figures["city"]["value"]: p for p in fit.personas}
    assert set(by_city) == {"Bandung", "Jakarta", "Surabaya"}
    bandung = by_city["Bandung"]
    assert bandung.figures["city"]["share"] > 0.8
    assert bandung.figures["channel"]["value"] == "web"
    assert bandung.figures["category"]["value"] == "Fashion"
    assert 6.0 < bandung.figures["orders_per_year"] < 10.0
    assert 0.6 < bandung.figures["discount_share"] < 0.8
    top = {(t.feature, t.value) for t in bandung.traits[:4]}
    assert top & {("discount_share", ""), ("orders_per_year", ""), ("city", "Bandung")}
    assert all(t.z > 0 for t in bandung.traits if t.value)  # a code's trait is its presence
    assert by_city["Jakarta"].figures["order_value"] > 2_000_000


def test_drift_matching_follows_the_personas_between_runs():
    data, _ = planted(4000, seed=1)
    later, _ = planted(4000, seed=2)
    first, second = personas_find(data, seed=0), personas_find(later, seed=0)
    matched = personas_match([p.centre for p in first.personas], [p.centre for p in second.personas])
    for persona, index in zip(second.personas, matched, strict=True):
        assert index is not None
        assert first.personas[index].figures["city"]["value"] == persona.figures["city"]["value"]
    shifted = [{**c, "city=Bandung": 0.0, "city=Medan": 1.0} for c in (first.personas[0].centre,)]
    assert personas_match([first.personas[0].centre], shifted, max_distance=1.0) == [None]
    assert personas_match([], [first.personas[0].centre]) == [None]


def test_too_few_buyers_is_refused():
    data, _ = planted(2)
    with pytest.raises(ValueError, match="too few"):
        personas_find(data)
