"""The model page: the last successful scoring run's fits, model choice, calibration plot and
fallbacks, read from `ScoringRun.fits` (the shape `daur score` stores; older runs hold only
"bgnbd" and "ggamma" and are read as a BG/NBD run without a model choice)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from daur.accounts.models import Role, User
from daur.insights.models import ScoringRun
from daur.insights.runs import runs_stale_fail

PURCHASE_MODELS = ("bgnbd", "mbgnbd", "pareto")
MODEL_NAMES = {
    "bgnbd": "BG/NBD",
    "mbgnbd": "MBG/NBD",
    "pareto": "Pareto/NBD",
    "ggamma": "Gamma-Gamma",
}
_RATE = (
    ("r", "r", gettext_lazy("shape of the purchase rates")),
    ("alpha", "α", gettext_lazy("scale of the purchase rates (days)")),
)
_BETA_DROPOUT = (
    ("a", "a", gettext_lazy("dropout probability at a purchase: first beta shape")),
    ("b", "b", gettext_lazy("dropout probability at a purchase: second beta shape")),
)
PARAMETERS = {
    "bgnbd": _RATE + _BETA_DROPOUT,
    "mbgnbd": _RATE + _BETA_DROPOUT,
    "pareto": _RATE
    + (
        ("s", "s", gettext_lazy("shape of the dropout rates")),
        ("beta", "β", gettext_lazy("scale of the dropout rates (days)")),
    ),
    "ggamma": (
        ("p", "p", gettext_lazy("shape of one order's amount")),
        ("q", "q", gettext_lazy("shape of the customers' spend levels")),
        ("gamma", "γ", gettext_lazy("scale of the customers' spend levels")),
    ),
}
DAYS_PER_YEAR = 365.25
EPOCH = date(1970, 1, 1)
# The calibration plot's drawing area inside its 480 x 270 viewBox.
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 44.0, 472.0, 34.0, 220.0


def model_page_in_navigation(user: User) -> bool:
    """Who finds the page in the navigation: admins, managers and marketers (they choose and
    judge the scores). Sales reps and support agents may open it (it is read-only and names no
    customer) but their navigation stays on their customers."""
    return user.is_authenticated and (user.sees_everything or user.role == Role.MARKETER)


@dataclass(frozen=True)
class Parameter:
    symbol: str
    meaning: str
    value: float | None
    standard_error: float | None


@dataclass(frozen=True)
class Implied:
    """A figure that follows from the parameters, with how to format it."""

    label: str
    value: float | None
    kind: str  # "number", "share" or "money"


@dataclass(frozen=True)
class Fit:
    code: str
    name: str
    part: str  # "purchase" or "spend"
    chosen: bool
    failed: str = ""  # why the fit failed; nothing else is set then
    parameters: list[Parameter] = field(default_factory=list)
    log_likelihood: float | None = None
    converged: bool | None = None
    method: str = ""  # "newton", "quasi_newton", "boundary"; empty when not recorded
    message: str = ""
    n_customers: int | None = None
    iterations: int | None = None
    seconds: float | None = None
    implied: list[Implied] = field(default_factory=list)


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    chosen: bool
    holdout_mae: float | None
    holdout_rmse: float | None
    holdout_predicted: float | None
    holdout_actual: float | None
    log_likelihood: float | None
    converged: bool | None
    failed: str = ""  # why the candidate could not be tested


@dataclass(frozen=True)
class Selection:
    calibration_end: date | None
    holdout_days: int | None
    n_customers: int | None
    chosen: str  # the chosen model's name
    reason: str
    candidates: list[Candidate]

    @property
    def bgnbd_passed_over(self) -> bool:
        """BG/NBD had the lowest holdout error and another model was chosen (it holds every
        customer without a repeat purchase alive, which a CRM acting on P(alive) must not)."""
        tested = [c for c in self.candidates if c.holdout_mae is not None]
        best = min(tested, key=lambda c: c.holdout_mae, default=None)
        return best is not None and best.code == "bgnbd" and not best.chosen


@dataclass(frozen=True)
class Series:
    code: str  # "actual" or a purchase model
    name: str
    chosen: bool
    values: list[float | None]
    points: list[tuple[float, float, float, str]]  # (x, y, value, bin) of the bins with a value
    path: str


@dataclass(frozen=True)
class Plot:
    bins: list[str]  # "0" ... "7+"
    bin_x: list[tuple[float, str]]  # each bin's x and name
    customers: list[int | None]
    series: list[Series]
    y_ticks: list[tuple[float, float, int]]  # (y, value, decimals)

    @property
    def rows(self) -> list[tuple[str, int | None, list[float | None]]]:
        """The plot as a table: per bin, its customers and each series' value."""
        return [
            (b, self.customers[i], [s.values[i] for s in self.series])
            for i, b in enumerate(self.bins)
        ]


@dataclass(frozen=True)
class Fallback:
    part: str  # "purchase" or "spend"
    model: str
    step: str  # "quasi_newton", "boundary" or "rules"
    reason: str


@dataclass(frozen=True)
class ModelPage:
    run: ScoringRun | None
    failed_since: ScoringRun | None  # a failed run after the one shown
    purchase_model: str = ""  # empty: the purchase part fell back to the rules
    legacy: bool = False  # a run from before the model choice was recorded
    fits: list[Fit] = field(default_factory=list)
    selection: Selection | None = None
    plot: Plot | None = None
    fallbacks: list[Fallback] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    value_scale: float | None = None


def model_page(run: ScoringRun | None) -> ModelPage:
    """What the page shows of `run` (the last successful run, or None)."""
    runs_stale_fail()  # a run whose process is gone shows as failed, not as running for ever
    failed = ScoringRun.objects.filter(status=ScoringRun.Status.FAILED)
    if run is not None:
        failed = failed.filter(pk__gt=run.pk)
    failed_since = failed.only("started_at", "message").order_by("-pk").first()
    if run is None:
        return ModelPage(run=None, failed_since=failed_since)
    stored: dict[str, Any] = run.fits or {}
    legacy = "purchase_model" not in stored and "bgnbd" in stored
    chosen = "bgnbd" if legacy else (stored.get("purchase_model") or "")
    fits = [
        _fit(code, stored[code], chosen=code == chosen)
        for code in (*PURCHASE_MODELS, "ggamma")
        if isinstance(stored.get(code), dict)
    ]
    spend = stored.get("ggamma") or {}
    return ModelPage(
        run=run,
        failed_since=failed_since,
        purchase_model=chosen,
        legacy=legacy,
        fits=fits,
        selection=_selection(stored.get("selection"), chosen),
        plot=_plot(stored.get("calibration_plot"), chosen),
        fallbacks=[
            Fallback(
                str(f.get("part", "")), MODEL_NAMES.get(f.get("model"), str(f.get("model") or "")),
                str(f.get("step", "")), str(f.get("reason", "")),
            )
            for f in stored.get("fallbacks") or ()
            if isinstance(f, dict)
        ],
        notes=[str(note) for note in stored.get("notes") or ()],
        value_scale=_number(spend.get("value_scale")) if isinstance(spend, dict) else None,
    )


def _number(value: Any) -> float | None:
    """A stored number, None for null, text or a non-finite value."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _count(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _fit(code: str, stored: dict[str, Any], *, chosen: bool) -> Fit:
    name, part = MODEL_NAMES[code], "spend" if code == "ggamma" else "purchase"
    if "failed" in stored:
        return Fit(code, name, part, chosen=False, failed=str(stored["failed"]))
    params = stored.get("params") or {}
    errors = stored.get("standard_errors") or {}
    known = {key for key, _symbol, _meaning in PARAMETERS[code]}
    parameters = [
        Parameter(symbol, str(meaning), _number(params.get(key)), _number(errors.get(key)))
        for key, symbol, meaning in PARAMETERS[code]
    ] + [  # any parameter this page does not know, shown as stored
        Parameter(key, "", _number(value), _number(errors.get(key)))
        for key, value in params.items()
        if key not in known
    ]
    converged = stored.get("converged")
    return Fit(
        code,
        name,
        part,
        chosen=chosen,
        parameters=parameters,
        log_likelihood=_number(stored.get("log_likelihood")),
        converged=converged if isinstance(converged, bool) else None,
        method=str(stored.get("method") or ""),
        message=str(stored.get("message") or ""),
        n_customers=_count(stored.get("n_customers")),
        iterations=_count(stored.get("iterations")),
        seconds=_number(stored.get("seconds")),
        implied=_implied(code, {k: _number(v) for k, v in params.items()}, stored),
    )


def _implied(code: str, p: dict[str, float | None], stored: dict[str, Any]) -> list[Implied]:
    """The parameters read as a business reads them (time unit: a day)."""
    if code == "ggamma":
        mean = _number(stored.get("population_mean"))
        q, shape, scale = p.get("q"), p.get("p"), p.get("gamma")
        if mean is None and None not in (q, shape, scale) and q > 1:
            mean = shape * scale / (q - 1)
        return [Implied(_("Mean order value in the population"), mean, "money")]
    r, alpha = p.get("r"), p.get("alpha")
    rate = r / alpha * DAYS_PER_YEAR if r is not None and alpha else None
    implied = [Implied(_("Mean purchases a year while active"), rate, "number")]
    if code == "pareto":
        s, beta = p.get("s"), p.get("beta")
        median = beta * (2 ** (1 / s) - 1) if s and beta is not None else None
        implied.append(Implied(_("Median lifetime (days)"), median, "number"))
    else:
        a, b = p.get("a"), p.get("b")
        share = a / (a + b) if a is not None and b is not None and a + b > 0 else None
        implied.append(Implied(_("Mean dropout probability at a purchase"), share, "share"))
    return implied


def _selection(stored: Any, chosen: str) -> Selection | None:
    if not isinstance(stored, dict):
        return None
    day = _count(stored.get("calibration_end_day"))
    candidates = []
    for code, figures in (stored.get("candidates") or {}).items():
        if not isinstance(figures, dict):
            continue
        converged = figures.get("converged")
        candidates.append(
            Candidate(
                code,
                MODEL_NAMES.get(code, code),
                code == (stored.get("chosen") or chosen),
                *(_number(figures.get(key)) for key in (
                    "holdout_mae", "holdout_rmse", "holdout_predicted", "holdout_actual",
                    "log_likelihood",
                )),
                converged if isinstance(converged, bool) else None,
                str(figures.get("failed") or ""),
            )
        )
    return Selection(
        calibration_end=EPOCH + timedelta(days=day) if day is not None else None,
        holdout_days=_count(stored.get("holdout_days")),
        n_customers=_count(stored.get("n_customers")),
        chosen=MODEL_NAMES.get(stored.get("chosen") or chosen, ""),
        reason=str(stored.get("reason") or ""),
        candidates=candidates,
    )


def _plot(stored: Any, chosen: str) -> Plot | None:
    """The calibration plot in the SVG's coordinates: one point per bin and series."""
    if not isinstance(stored, dict) or not stored.get("frequency"):
        return None
    frequency = [_count(f) for f in stored["frequency"]]
    n = len(frequency)
    columns = [("actual", _("Actual"), stored.get("actual") or [])]
    predicted = stored.get("predicted") or {}
    columns += [  # a candidate that could not be tested has no values: not drawn
        (code, MODEL_NAMES.get(code, code), predicted[code])
        for code in predicted
        if any(_number(v) is not None for v in predicted[code] or ())
    ]
    values = {code: [_number(v) for v in list(column)[:n]] for code, _name, column in columns}
    for code in values:
        values[code] += [None] * (n - len(values[code]))
    step, ticks, places = _ticks(
        max((v for vs in values.values() for v in vs if v is not None), default=0)
    )
    top = step * ticks
    width = (PLOT_RIGHT - PLOT_LEFT) / n
    xs = [round(PLOT_LEFT + (i + 0.5) * width, 1) for i in range(n)]
    bins = [
        "–" if f is None else (f"{f}+" if i == n - 1 else str(f)) for i, f in enumerate(frequency)
    ]

    def y_of(value: float) -> float:
        return round(PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * value / top, 1)

    series = []
    for code, name, _column in columns:
        points = [
            (xs[i], y_of(v), v, bins[i]) for i, v in enumerate(values[code]) if v is not None
        ]
        path = " ".join(f"{'L' if i else 'M'}{x} {y}" for i, (x, y, *_) in enumerate(points))
        series.append(Series(code, name, code == chosen, values[code], points, path))
    customers = [_count(c) for c in stored.get("customers") or []]
    customers += [None] * (n - len(customers))
    y_ticks = [(y_of(step * k), step * k, places) for k in range(ticks + 1)]
    return Plot(bins, list(zip(xs, bins)), customers[:n], series, y_ticks)


def _ticks(value: float) -> tuple[float, int, int]:
    """The y axis up to `value`: a step of 1, 2, 2.5 or 5 times a power of ten, the fewest
    steps (at most five) that reach it, and the decimals the ticks need."""
    if not value > 0:
        return 1.0, 1, 0
    magnitude = math.floor(math.log10(value))
    for power in range(magnitude - 1, magnitude + 2):
        for factor in (1, 2, 2.5, 5):
            step = factor * 10.0**power
            count = math.ceil(value / step - 1e-9)
            if count <= 5:
                return step, count, max(0, -power) + (1 if factor == 2.5 else 0)
    return 10.0 ** (magnitude + 2), 1, 0  # not reached: 10 ** (magnitude + 1) covers value
