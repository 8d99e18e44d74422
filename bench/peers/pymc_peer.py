"""Benchmark peer: PyMC-Marketing BG/NBD + Gamma-Gamma MAP fits (flat priors), P(alive), CLV."""

import json
import resource
import sys
import time

import pandas as pd
from pymc_extras.prior import Prior  # noqa: F401  (fails early when the stack is incomplete)
from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

path = sys.argv[1]
started = time.perf_counter()
df = pd.read_csv(path).rename(columns={"customer_id": "customer_id"})
read = time.perf_counter() - started
flat = {name: Prior("HalfFlat") for name in ("r", "alpha", "a", "b")}
t0 = time.perf_counter()
bg = BetaGeoModel(data=df[["customer_id", "frequency", "recency", "T"]], model_config=flat)
bg.fit(method="map", progressbar=False)
t1 = time.perf_counter()
repeat = df[df["frequency"] > 0][["customer_id", "frequency", "monetary_value"]]
gg = GammaGammaModel(data=repeat, model_config={n: Prior("HalfFlat") for n in ("p", "q", "v")})
gg.fit(method="map", progressbar=False)
t2 = time.perf_counter()
alive = bg.expected_probability_alive()
t3 = time.perf_counter()
post = bg.fit_result
print(json.dumps({
    "read_s": read, "bgnbd_fit_s": t1 - t0, "ggamma_fit_s": t2 - t1, "score_s": t3 - t2,
    "bgnbd": {k: float(post[k].values.ravel()[0]) for k in ("r", "alpha", "a", "b")},
    "ggamma": {k: float(gg.fit_result[k].values.ravel()[0]) for k in ("p", "q", "v")},
    "mean_p_alive": float(alive.mean()),
    "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
