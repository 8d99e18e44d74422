"""Benchmark peer: lifetimes 0.11.3 BG/NBD + Gamma-Gamma fit, P(alive) and 12-month CLV."""

import json
import resource
import sys
import time

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter

path = sys.argv[1]
started = time.perf_counter()
df = pd.read_csv(path)
read = time.perf_counter() - started
t0 = time.perf_counter()
bgf = BetaGeoFitter().fit(df["frequency"], df["recency"], df["T"])
t1 = time.perf_counter()
repeat = df[df["frequency"] > 0]
ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
t2 = time.perf_counter()
alive = bgf.conditional_probability_alive(df["frequency"], df["recency"], df["T"])
# lifetimes takes a monthly rate; 10 %/year compounded monthly, as in Daur.
clv = ggf.customer_lifetime_value(
    bgf, df["frequency"], df["recency"], df["T"],
    df["monetary_value"].where(df["frequency"] > 0, 0),
    time=12, discount_rate=1.1 ** (1 / 12) - 1, freq="W",
)
t3 = time.perf_counter()
print(json.dumps({
    "read_s": read, "bgnbd_fit_s": t1 - t0, "ggamma_fit_s": t2 - t1, "score_s": t3 - t2,
    "bgnbd": {k: float(v) for k, v in bgf.params_.items()},
    "ggamma": {k: float(v) for k, v in ggf.params_.items()},
    "mean_p_alive": float(alive.mean()), "total_clv": float(clv.sum()),
    "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
