"""Buy-till-you-die models (BG/NBD, Pareto/NBD, MBG/NBD) and the Gamma-Gamma spend model.

The three purchase models share one interface (module functions): `fit(x, t_x, T, *, weights)`,
`p_alive(params, x, t_x, T)`, `expected_purchases_if_alive(params, t, x, T)`,
`conditional_expected_purchases(params, t, x, t_x, T)`, `expected_purchases(params, t)`,
`probability_of_purchases(params, t, n)`, `log_likelihood(params, x, t_x, T)`, `simulate`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

PURCHASE_MODELS = ("bgnbd", "pareto", "mbgnbd")


def purchase_model(name: str) -> ModuleType:
    """The module of a purchase model by its name: bgnbd, pareto or mbgnbd."""
    if name not in PURCHASE_MODELS:
        raise ValueError(f"unknown purchase model {name!r}; one of {', '.join(PURCHASE_MODELS)}")
    return importlib.import_module(f"daur.analytics.btyd.{name}")
