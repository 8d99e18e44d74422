"""Benchmark peer: Daur's BG/NBD + Gamma-Gamma fit, P(alive) and 12-month CLV on a summary CSV."""

import json
import resource
import sys
import time

import scipy.optimize  # noqa: F401  (Daur imports it lazily; the peers import theirs up front)

from daur.analytics import clv
from daur.analytics.btyd import bgnbd, gamma_gamma
from daur.analytics.fit_data import read_fit_data

path = sys.argv[1]
started = time.perf_counter()
data = read_fit_data(path, time_unit="week", calibration_end=None)
x, t_x, T, m = data.x, data.t_x, data.T, data.mean_value
read = time.perf_counter() - started
t0 = time.perf_counter()
bg = bgnbd.fit(x, t_x, T)
t1 = time.perf_counter()
gg = gamma_gamma.fit(x, m)
t2 = time.perf_counter()
alive = bgnbd.p_alive(bg.params, x, t_x, T)
value = gamma_gamma.expected_order_value(gg.params, x, m)
clv_12m = clv.clv("bgnbd", bg.params, x, t_x, T, value, margin_rate=1.0)
t3 = time.perf_counter()
print(json.dumps({
    "read_s": read, "bgnbd_fit_s": t1 - t0, "ggamma_fit_s": t2 - t1, "score_s": t3 - t2,
    "bgnbd": bg.params, "ggamma": gg.params, "converged": bg.converged and gg.converged,
    "mean_p_alive": float(alive.mean()), "total_clv": float(clv_12m.sum()),
    "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
