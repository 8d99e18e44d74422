"""A guarded Gauss hypergeometric function for the BG/NBD-family expectations."""

from __future__ import annotations

import numpy as np

# scipy's hyp2f1 returns inf or nan on the branch where c - a - b is an integer (it happens for
# parameters such as r = a = b = 1.5), although the function is finite and continuous there.
NUDGE = 1e-9


def hyp2f1_guarded(a, b, c, z):
    """2F1(a, b; c; z) for 0 <= z < 1, stepping off scipy's degenerate integer branch."""
    from scipy.special import hyp2f1

    value = np.asarray(hyp2f1(a, b, c, z), dtype=np.float64)
    bad = ~np.isfinite(value)
    if not bad.any():
        return value
    shape = np.broadcast(a, b, c, z).shape
    a, b, c, z = (np.broadcast_to(np.asarray(v, dtype=np.float64), shape) for v in (a, b, c, z))
    value = np.array(np.broadcast_to(value, shape))
    # Both sides of the integer: their mean is exact to the order of NUDGE squared.
    above = hyp2f1(a[bad], b[bad], c[bad] * (1 + NUDGE), z[bad])
    below = hyp2f1(a[bad], b[bad], c[bad] * (1 - NUDGE), z[bad])
    value[bad] = (above + below) / 2.0
    return value
