"""Benchmark: Daur's Pareto/NBD fit against lifetimes 0.11.3's ParetoNBDFitter.

Run from the repository root:  PYTHONPATH=src python bench/pareto.py [--customers N]
Two data sets: the CDNOW cohort the repository ships (2,357 customers, weeks) and N customers
simulated from a Pareto/NBD with known parameters, ages and recencies in weeks with two decimals
(so few rows coincide, as in a real transaction log). lifetimes runs in its own virtualenv
(bench/.venv-lifetimes, created by bench/btyd.py's helper on first use). Prints the parameters,
the log-likelihood each reaches on the same data, the seconds and the ratio lifetimes / Daur.

`--score-shaped N`: also N customers shaped as bench/score.py's PostgreSQL base (ten orders each,
spread over spans of 300 to 900 days: no dropout heterogeneity, so the fit ends at beta's limit),
in days; there the peer is Daur's own fit running every start on every row (what it did before it
explored its starts on a sample of the rows), lifetimes being far too slow at that size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from btyd import DATA, peer_python, write_cdnow_summary, write_summary  # noqa: E402
from daur.analytics.btyd import pareto  # noqa: E402

TRUTH = {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7}  # CDNOW's published Pareto/NBD
PEER = """
import json, sys, time
import pandas as pd
from lifetimes import ParetoNBDFitter
df = pd.read_csv(sys.argv[1])
t0 = time.perf_counter()
f = ParetoNBDFitter().fit(df["frequency"], df["recency"], df["T"])
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "params": {k: float(v) for k, v in f.params_.items()}}))
"""


def write_simulated(n: int) -> Path:
    rng = np.random.default_rng(1987)
    T = rng.uniform(27.0, 39.0, n)
    x, t_x = pareto.simulate(TRUTH, T, rng)
    T = np.round(T, 2)
    t_x = np.where(x > 0, np.clip(np.round(t_x, 2), 0.01, T), 0.0)
    return write_summary(f"pareto_{n}", np.arange(1, n + 1), x, t_x, T, np.zeros(n),
                         time_format="%.2f")


def load(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data = np.genfromtxt(path, delimiter=",", names=True)
    return data["frequency"], data["recency"], data["T"]


def run(name: str, path: Path, python: Path | None) -> None:
    x, t_x, T = load(path)
    pareto.fit(x[:500], t_x[:500], T[:500])  # imports and first calls, as the peer's are outside
    started = time.perf_counter()
    fit = pareto.fit(x, t_x, T)
    ours = time.perf_counter() - started
    ll_ours = float(pareto.log_likelihood(fit.params, x, t_x, T).sum())
    print(f"{name}: {x.size:,} customers")
    print(f"  daur      {ours:8.2f} s  LL {ll_ours:.3f}  "
          + " ".join(f"{k} {v:.4g}" for k, v in fit.params.items()))
    if python is None:
        print("  lifetimes: not available (its virtualenv could not be made)")
        return
    done = subprocess.run([str(python), "-c", PEER, str(path)], capture_output=True, text=True,
                          timeout=3600)
    if done.returncode != 0:
        print(f"  lifetimes failed: {done.stderr.strip().splitlines()[-1:]}")
        return
    peer = json.loads(done.stdout.strip().splitlines()[-1])
    ll_peer = float(pareto.log_likelihood(peer["params"], x, t_x, T).sum())
    print(f"  lifetimes {peer['seconds']:8.2f} s  LL {ll_peer:.3f}  "
          + " ".join(f"{k} {v:.4g}" for k, v in peer["params"].items()))
    print(f"  ratio lifetimes / daur: {peer['seconds'] / ours:.1f}x; "
          f"daur's LL minus lifetimes': {ll_ours - ll_peer:+.3f}")


def score_shaped(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """bench/score.py's orders in numpy: customer c's ten orders on days h * (0.3 + (c % 7) / 10),
    h uniform on 0..999; x, t_x and T per customer from the distinct order days."""
    rng = np.random.default_rng(1)
    customer = np.repeat(np.arange(1, n + 1), 10)
    day = np.floor(rng.integers(0, 1000, customer.size) * (0.3 + (customer % 7) / 10.0))
    day = day.astype(np.int64)
    pairs = np.unique(customer * 10_000 + day)
    who, when = pairs // 10_000 - 1, pairs % 10_000
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, who, when)
    last = np.zeros(n, dtype=np.int64)
    np.maximum.at(last, who, when)
    x = np.bincount(who, minlength=n) - 1.0
    return x, (last - first).astype(np.float64), (day.max() - first).astype(np.float64)


def run_score_shaped(n: int) -> None:
    from contextlib import ExitStack
    from unittest import mock

    from daur.analytics.btyd import _fit

    x, t_x, T = score_shaped(n)
    rows = _fit.sufficient_stats(x, t_x, T).x.size
    print(f"shaped as bench/score.py's base: {n:,} customers, {rows:,} distinct rows (days)")
    results = {}
    for label in ("explored", "every start on every row"):
        calls = {"rows": 0}
        real = pareto._pareto_integral.gradient

        def counted(*args, real=real, calls=calls):
            calls["rows"] += np.size(args[4]) == rows
            return real(*args)

        with ExitStack() as patched:
            patched.enter_context(mock.patch.object(pareto._pareto_integral, "gradient", counted))
            if label != "explored":
                patched.enter_context(mock.patch.object(_fit, "coarse_rows", lambda n_rows: None))
            started = time.perf_counter()
            fit = pareto.fit(x, t_x, T)
            seconds = time.perf_counter() - started
        results[label] = seconds
        print(f"  daur, {label:25s} {seconds:8.2f} s  {calls['rows']:4d} whole-row evaluations  "
              f"LL {fit.log_likelihood:.3f}  {fit.method}  "
              + " ".join(f"{k} {v:.4g}" for k, v in fit.params.items()))
    print(f"  ratio every start on every row / explored: "
          f"{results['every start on every row'] / results['explored']:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--score-shaped", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if args.score_shaped:
        run_score_shaped(args.score_shaped)
        return
    DATA.mkdir(parents=True, exist_ok=True)
    python = peer_python("lifetimes")
    cdnow = write_cdnow_summary()
    if cdnow is not None:
        run("CDNOW cohort (weeks)", cdnow, python)
    run("simulated Pareto/NBD at CDNOW's parameters", write_simulated(args.customers), python)


if __name__ == "__main__":
    main()
