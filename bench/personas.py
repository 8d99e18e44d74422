"""Buyer personas: the clustering step of `daur score` on a large base, without a database.

    PYTHONPATH=src python bench/personas.py [--buyers 1000000] [--repeat 1]

A base of buyers with five planted groups (orders a year, order value, discount share, city,
main category and order channel, with 10 % of the codes shuffled) is drawn; timed: the whole
`personas_find` (the feature matrix, k-means for k = 3..7 on a 20,000-row sample with the
silhouette of each, every buyer assigned, the figures and traits), and how well it found the
groups (adjusted Rand index against the planted ones).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from sklearn.metrics import adjusted_rand_score

from daur.analytics.personas import PersonaInput, personas_find

CITIES = ("Jakarta", "Bandung", "Surabaya", "Medan", "Milano")
CATEGORIES = ("Fashion", "Electronics", "Kitchen", "Beauty", "Toys")
CHANNELS = ("web", "store", "whatsapp", "marketplace", "phone")


def base(n: int, seed: int = 3) -> tuple[PersonaInput, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 5, n)
    orders = np.array([8.0, 1.0, 3.0, 5.0, 0.5])[truth] * rng.lognormal(0, 0.25, n)
    value = np.array([1.5e5, 4e6, 6e5, 3e5, 9e6])[truth] * rng.lognormal(0, 0.25, n)
    discount = np.clip(np.array([0.7, 0.05, 0.3, 0.5, 0.1])[truth] + rng.normal(0, 0.1, n), 0, 1)

    def codes(values: tuple[str, ...]) -> np.ndarray:
        picked = np.where(rng.random(n) < 0.1, rng.integers(0, 5, n), truth)
        return np.array(values, dtype=object)[picked]

    main = codes(CATEGORIES)
    shares = {c: np.where(main == c, rng.uniform(0.6, 1, n), rng.uniform(0, 0.1, n)) for c in CATEGORIES}
    data = PersonaInput(
        numbers={
            "recency_days": rng.exponential(90, n),
            "orders_per_year": orders,
            "order_value": value,
            "discount_share": discount,
        },
        category_shares=shares,
        codes={
            "city": codes(CITIES),
            "channel": codes(CHANNELS),
            "country": np.where(codes(CITIES) == "Milano", "IT", "ID"),
            "orientation": rng.choice(np.array(["cost", "value", "technology", ""]), n),
            "relationship": np.full(n, "external"),
        },
    )
    return data, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    data, truth = base(args.buyers)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        fit = personas_find(data, seed=0)
        times.append(time.perf_counter() - start)
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"{args.buyers:,} buyers: personas_find {min(times):.2f} s (best of {args.repeat}), "
          f"k={fit.k}, silhouette {fit.silhouette:.3f}, sample {fit.sample_size:,}, "
          f"adjusted Rand index {adjusted_rand_score(truth, fit.labels):.3f}")
    for p in fit.personas:
        print(f"  persona {p.number}: {p.size:,} ({p.share:.1%}), "
              f"{p.figures['orders_per_year']:.1f} orders a year, city {p.figures['city']['value']}")


if __name__ == "__main__":
    main()
