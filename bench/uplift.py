"""Campaign uplift read-out: the whole report of a large campaign, beside peers on the same arrays.

    PYTHONPATH=src python bench/uplift.py [--members 1000000] [--holdout 0.1] [--repeat 3]

The campaign is drawn with a known effect (conversion 8 % -> 10 %, spend per converted member
Gamma(2, 40) + 10 for the treated) and a covariate that predicts spend (BG/NBD-like expected
purchases). Timed, each the median of `--repeat` runs on the same arrays:
- daur: `uplift_report` with the covariate and redemptions (group figures, the score interval
  for conversion, Welch for spend, both CUPED estimates, incremental revenue);
- peer 1, statsmodels: `ttest_ind(usevar="unequal")` for the spend difference and its
  `confint_proportions_2indep(method="wald")` for conversion (no CUPED, no group figures);
- peer 2, pandas: a groupby of the group figures only (members, conversions, spend per member,
  redemptions).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np

from daur.analytics.uplift import uplift_report


def campaign(members: int, holdout: float, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 0.5, members)
    treated = rng.random(members) >= holdout
    converted = rng.random(members) < 0.06 + 0.02 * x + 0.02 * treated
    spend = converted * (rng.gamma(2.0, 40.0, members) + 10.0 * treated + 30.0 * x)
    redeemed = converted & treated & (rng.random(members) < 0.5)
    return {"treated": treated, "converted": converted, "spend": spend, "x": x, "red": redeemed}


def timed(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def daur(data):
    return uplift_report(
        data["treated"],
        data["converted"],
        data["spend"],
        covariate=data["x"],
        redeemed=data["red"],
        cost=10_000.0,
    )


def statsmodels_peer(data):
    from statsmodels.stats.proportion import confint_proportions_2indep
    from statsmodels.stats.weightstats import ttest_ind

    t, conv, spend = data["treated"], data["converted"], data["spend"]
    _, p_value, _ = ttest_ind(spend[t], spend[~t], usevar="unequal")
    counts = (int(conv[t].sum()), int(t.sum()), int(conv[~t].sum()), int((~t).sum()))
    return p_value, confint_proportions_2indep(*counts, method="wald")


def pandas_peer(data):
    import pandas as pd

    frame = pd.DataFrame(
        {
            "treated": data["treated"],
            "converted": data["converted"],
            "spend": data["spend"],
            "redeemed": data["red"],
        }
    )
    return frame.groupby("treated").agg(
        members=("converted", "size"),
        converted=("converted", "sum"),
        spend_per_member=("spend", "mean"),
        redemptions=("redeemed", "sum"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--holdout", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    data = campaign(args.members, args.holdout, args.seed)
    print(
        f"{args.members:,} members, hold-out {args.holdout:.0%}, Python {platform.python_version()}"
    )

    seconds, report = timed(lambda: daur(data), args.repeat)
    print(
        f"daur uplift_report: {seconds:.3f} s ({args.members / seconds:,.0f} members/s)"
        f" -> target <= 2 s: {'met' if seconds <= 2.0 else 'NOT met'}"
    )
    for name in ("conversion", "spend_per_member"):
        raw, cuped = getattr(report, name), getattr(report, f"{name}_cuped")
        print(
            f"  {name}: {raw.estimate:.4f} [{raw.ci_low:.4f}, {raw.ci_high:.4f}] p={raw.p_value:.2g};"
            f" CUPED {cuped.estimate:.4f} [{cuped.ci_low:.4f}, {cuped.ci_high:.4f}],"
            f" variance -{cuped.variance_reduction:.0%}"
        )
    for label, peer in (
        ("statsmodels ttest_ind + Wald", statsmodels_peer),
        ("pandas groupby (figures only)", pandas_peer),
    ):
        seconds_peer, _ = timed(lambda peer=peer: peer(data), args.repeat)
        print(f"peer {label}: {seconds_peer:.3f} s ({args.members / seconds_peer:,.0f} members/s)")


if __name__ == "__main__":
    main()
