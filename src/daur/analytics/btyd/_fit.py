"""Shared fitting machinery: sufficient statistics, the fallback order, fit results.

Collapsing identical rows lives in `_rows`; the two optimisers in `_optimise`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from threadpoolctl import threadpool_limits

from daur.analytics.btyd._optimise import LOG_BOUND, Optimum, newton, quasi_newton
from daur.analytics.btyd._rows import collapse_rows

METHODS = ("newton", "quasi_newton", "boundary")



def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product of two vectors without BLAS.

    OpenBLAS runs long dot products on several threads whose busy-waiting, on a machine where
    other work holds a core, made a likelihood evaluation 10-30x slower (4 ms -> 100 ms); the
    likelihoods here take dozens of dot products per evaluation.
    """
    return float(np.einsum("i,i->", a, b))


class FitError(ValueError):
    """The data cannot identify the model (too few customers, no repeat purchases, ...)."""


@dataclass(frozen=True)
class SufficientStats:
    """Unique (x, t_x, T) rows with how many customers share each one.

    Counts from different workers can be merged with `merge_stats` and fitted once.
    """

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    weights: np.ndarray

    @property
    def n_customers(self) -> float:
        return float(self.weights.sum())


@dataclass(frozen=True)
class FitResult:
    """A maximum-likelihood fit. Parameters are in the time unit of the data they came from."""

    model: str
    params: dict[str, float]
    log_likelihood: float
    converged: bool
    n_customers: int
    n_unique_rows: int
    iterations: int
    standard_errors: dict[str, float]
    seconds: float
    message: str = ""
    # Which step of the fallback order (`fit_with_fallbacks`) produced the result.
    method: str = "newton"
    # Parameters at their limit in a boundary solution (their standard errors are NaN).
    at_bound: tuple[str, ...] = ()


def sufficient_stats(x, t_x, T, weights=None) -> SufficientStats:
    """Collapse identical (x, t_x, T) rows into weights."""
    (ux, ut, uT), w, _ = collapse_rows(x, t_x, T, weights=weights, inverse=False)
    return SufficientStats(x=ux, t_x=ut, T=uT, weights=w)


def merge_stats(parts: Sequence[SufficientStats]) -> SufficientStats:
    """Merge the sufficient statistics computed by several workers into one."""
    return sufficient_stats(
        np.concatenate([p.x for p in parts]),
        np.concatenate([p.t_x for p in parts]),
        np.concatenate([p.T for p in parts]),
        np.concatenate([p.weights for p in parts]),
    )


def check_btyd_data(x, t_x, T) -> None:
    """Reject data the BTYD models cannot use, with a message a user can act on.

    T = 0 (a first purchase on the last day, so x = t_x = 0) is accepted: such a customer has
    likelihood 1 under every model and adds nothing to the fit.
    """
    if x.size == 0:
        raise FitError("no customers to fit")
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(T).all()):
        raise FitError("x, t_x and T must be finite numbers")
    if (x < 0).any() or (np.floor(x) != x).any():
        raise FitError("x (repeat purchases) must be whole numbers >= 0")
    if (t_x < 0).any() or (t_x > T + 1e-9).any():
        raise FitError("recency t_x must be between 0 and T")
    if ((x == 0) & (t_x != 0)).any():
        raise FitError("t_x must be 0 where x = 0")
    if ((x > 0) & (t_x <= 0)).any():
        raise FitError("t_x must be > 0 where x > 0")
    if (T < 0).any():
        raise FitError("T (customer age) must be >= 0")


# Above this many collapsed rows a fit first works on a sample of them.
COARSE_FROM = 10_000


def coarse_rows(n_rows: int, target: int = 20_000) -> slice | None:
    """Every k-th collapsed row (a quarter of them, at most about `target`), for a cheap first
    fit on large data; None when the rows are few."""
    if n_rows <= COARSE_FROM:
        return None
    return slice(0, None, n_rows // min(target, n_rows // 8))


def coarse_likelihood(
    make_neg_ll: Callable[..., Callable[[np.ndarray], tuple[float, np.ndarray]]],
    stats: SufficientStats,
) -> Callable[[np.ndarray], tuple[float, np.ndarray]] | None:
    """The likelihood on every k-th collapsed row, weighted to the same number of customers
    (`make_neg_ll(x, t_x, T, weights)` builds it), or None when the rows are few."""
    part = coarse_rows(stats.x.size)
    if part is None:
        return None
    w = stats.weights[part] * (stats.n_customers / stats.weights[part].sum())
    return make_neg_ll(stats.x[part], stats.t_x[part], stats.T[part], w)


# A subset's fit that needs more Newton steps than this (usually 5-8) is not worth finishing.
SUBSET_MAX_ITER = 30


def subset_start(
    make_neg_ll: Callable[..., Callable[[np.ndarray, int], tuple]],
    rows: Sequence[np.ndarray],
    weights: np.ndarray,
    start: np.ndarray,
) -> np.ndarray:
    """A start for Newton on many rows: the Newton fit on every k-th row, weighted to the same
    total, or `start` when the rows are few or that fit does not reach an interior optimum.

    From there Newton on all the rows takes two or three steps instead of six to eight; the
    subset's fit costs about one evaluation on all of them. `make_neg_ll(*rows, weights)`
    builds the likelihood.
    """
    part = coarse_rows(weights.size)
    if part is None:
        return start
    w = weights[part] * (weights.sum() / weights[part].sum())
    first = newton(make_neg_ll(*(r[part] for r in rows), w), start,
                   n_customers=float(w.sum()), max_iter=SUBSET_MAX_ITER)
    if not first.success or (np.abs(first.log_theta) >= LOG_BOUND - BOUND_MARGIN).any():
        return start
    return np.exp(first.log_theta)


# Extra quasi-Newton starts around the model's own start, in log space: one factor e up or down
# per parameter, in alternating patterns.
START_SHIFTS = (1.0, -1.0)
# A parameter within this of its bound in log space (1 %) is at its limit: an optimiser that
# stops there has followed a likelihood still rising towards the limit.
BOUND_MARGIN = 1e-2
# Iterations of a quasi-Newton run from the model's own start, and from each further start
# (a likelihood that keeps rising towards a bound is followed there in fewer).
QUASI_NEWTON_ITERATIONS = (2000, 300)


# One BLAS thread while fitting: a problem of two to four parameters gains nothing from more, and
# on a busy machine their waits cost more than the fit itself (bench/README.md, Pareto/NBD).
@threadpool_limits.wrap(limits=1, user_api="blas")
def fit_with_fallbacks(
    model: str,
    names: Sequence[str],
    neg_ll: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    *,
    n_customers: float,
    n_unique_rows: int,
    started: float,
    newton_neg_ll: Callable[[np.ndarray, int], tuple] | None = None,
    newton_start: np.ndarray | None = None,
    coarse: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
    limits: dict[tuple[str, str], str] | None = None,
) -> FitResult:
    """Maximum likelihood by the fallback order every model follows; never fails numerically.

    1. Newton on the analytic Hessian (`newton_neg_ll(theta, order)`, for the models that have
       one) from `newton_start` (default `start`): a converged result is returned as is
       (method "newton").
    2. A bounded quasi-Newton (L-BFGS-B on `neg_ll(theta) -> (-LL, -gradient)`, with every
       |log parameter| <= LOG_BOUND) from several starts: where Newton stopped, `start` and
       `start` shifted by a factor e either way. With `coarse` (the same likelihood on a sample
       of the rows, for large data) each start is first run to its optimum there, and the full
       rows are fitted from those optima instead, once per distinct optimum (`_explored`).
       The first interior maximum is returned (method "quasi_newton") unless an earlier start
       reached a higher likelihood; otherwise the best point of all.
    3. When the best sits with a parameter at its bound, the likelihood rises towards that limit:
       a boundary solution, reported as such (method "boundary", converged False, a message
       naming the parameter and what the limit means: `limits[(name, "upper"|"lower")]`).
    Anything else is method "quasi_newton" with converged False and the reason.
    """
    steps = []
    starts = []  # (point, iteration limit, margin inside the bounds)
    newton_end = None  # where Newton stopped at a limit: a point the others must beat
    if newton_neg_ll is not None:
        found = newton(newton_neg_ll, start if newton_start is None else newton_start,
                       n_customers=n_customers)
        result = _result(model, names, found, "newton", n_customers, n_unique_rows, started)
        if result.converged:
            return result
        steps.append(f"Newton stopped ({result.message})")
        if np.isfinite(found.neg_ll) and np.isfinite(found.log_theta).all():
            starts.append((np.exp(found.log_theta), QUASI_NEWTON_ITERATIONS[1], 1.0))
            if result.at_bound:  # Newton followed a rising likelihood to a limit
                newton_end = (found, result)
    starts.append((np.asarray(start, dtype=np.float64), QUASI_NEWTON_ITERATIONS[0], 1.0))
    pattern = np.resize(np.array(START_SHIFTS), len(names))
    starts += [(np.exp(np.log(start) + sign * pattern), QUASI_NEWTON_ITERATIONS[1], 1.0)
               for sign in (1.0, -1.0)]
    if coarse is not None:
        starts = _explored(coarse, starts, n_customers)
        steps.append(f"the starts explored on a sample of rows, {len(starts)} distinct optima")
    # An interior maximum is kept unless another start found a higher likelihood (beyond
    # rounding): then the likelihood rises elsewhere, towards a bound or a better maximum.
    tolerance = 1e-8 * max(n_customers, 1.0)
    best = newton_end
    for k, (point, max_iter, margin) in enumerate(starts, start=1):
        found = quasi_newton(neg_ll, point, n_customers=n_customers, max_iter=max_iter,
                             margin=margin)
        result = _result(model, names, found, "quasi_newton", n_customers, n_unique_rows, started)
        if result.converged and (best is None or found.neg_ll <= best[0].neg_ll + tolerance):
            if steps:
                message = "; ".join(steps) + f"; quasi-Newton from start {k}: " + result.message
                result = _with_message(result, message, started)
            return result
        if np.isfinite(found.neg_ll) and (best is None or found.neg_ll < best[0].neg_ll):
            best = (found, result)
    if best is None:
        raise FitError("the likelihood cannot be evaluated on these data")
    found, result = best
    steps.append(f"quasi-Newton from {len(starts)} starts: the best is no interior maximum")
    if result.at_bound:
        meaning = []
        for name in result.at_bound:
            side = "upper" if result.params[name] > 1.0 else "lower"
            what = (limits or {}).get((name, side), "the likelihood rises towards this limit")
            meaning.append(f"{name} at its {side} limit ({result.params[name]:.4g}): {what}")
        message = "parameter at its bound: " + "; ".join(meaning)
        message += " (" + "; ".join(steps) + ")"
        return _with_message(result, message, started, method="boundary")
    return _with_message(result, result.message + " (" + "; ".join(steps) + ")", started)


# Two optima on the coarse rows closer than this in every log-parameter are one: the full rows
# are fitted from it once.
SAME_OPTIMUM = 0.05


def _explored(
    coarse: Callable[[np.ndarray], tuple[float, np.ndarray]],
    starts: list[tuple[np.ndarray, int, float]],
    n_customers: float,
) -> list[tuple[np.ndarray, int, float]]:
    """Each start run to its optimum on the coarse rows (a tenth of the cost or less); the full
    rows are then fitted from those optima, the most likely first, once per distinct optimum.

    On large data the starts usually meet at one point — an interior maximum, or a likelihood
    rising towards a limit, where each start used to walk the whole way on every row (three
    times the cost of one fit). Starts whose coarse run fails keep their own point."""
    found = [(quasi_newton(coarse, point, n_customers=n_customers, max_iter=max_iter,
                           margin=margin), point)
             for point, max_iter, margin in starts]
    usable = [(f.neg_ll, k) for k, (f, _) in enumerate(found)
              if np.isfinite(f.neg_ll) and np.isfinite(f.log_theta).all()]
    explored: list[tuple[np.ndarray, int, float]] = []
    kept: list[np.ndarray] = []
    for _, k in sorted(usable):
        log_theta = found[k][0].log_theta
        if any(np.abs(log_theta - other).max() < SAME_OPTIMUM for other in kept):
            continue
        kept.append(log_theta)
        # Taken as found, at a limit too: the sample's run has already explored.
        explored.append((np.exp(log_theta), QUASI_NEWTON_ITERATIONS[0], 0.0))
    explored += [(point, QUASI_NEWTON_ITERATIONS[0], 1.0)
                 for k, (f, point) in enumerate(found) if k not in {j for _, j in usable}]
    return explored


def _result(model, names, found: Optimum, method, n_customers, n_unique_rows, started):
    """A FitResult from an optimum: converged, standard errors and message judged alike."""
    theta = np.exp(found.log_theta)
    at_bound = np.abs(found.log_theta) >= LOG_BOUND - BOUND_MARGIN
    free = ~at_bound
    ses = np.full(len(names), np.nan)
    positive_definite = False
    hess = found.hessian[np.ix_(free, free)]
    if free.any() and np.isfinite(hess).all():
        try:
            np.linalg.cholesky(hess)
            positive_definite = True
            ses[free] = theta[free] * np.sqrt(np.diag(np.linalg.inv(hess)))
        except np.linalg.LinAlgError:
            pass
    finite = bool(np.isfinite(theta).all() and np.isfinite(found.neg_ll))
    converged = bool(found.success and finite and positive_definite and not at_bound.any())
    message = found.message
    if at_bound.any():
        message = "parameter at its bound: " + ", ".join(
            n for n, b in zip(names, at_bound) if b
        )
    elif not positive_definite:
        message = "Hessian not positive definite: the maximum is not identified"
    return FitResult(
        model=model,
        params={n: float(v) for n, v in zip(names, theta)},
        log_likelihood=float(-found.neg_ll),
        converged=converged,
        n_customers=int(round(n_customers)),
        n_unique_rows=int(n_unique_rows),
        iterations=found.iterations,
        standard_errors={n: float(v) for n, v in zip(names, ses)},
        seconds=time.perf_counter() - started,
        message=message,
        method=method,
        at_bound=tuple(n for n, b in zip(names, at_bound) if b),
    )


def _with_message(result: FitResult, message: str, started: float, method: str | None = None):
    return replace(result, message=message, method=method or result.method,
                   seconds=time.perf_counter() - started)
