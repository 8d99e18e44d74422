"""`daur score --incremental`: score the base reading again only the customers whose inputs
changed since the last run, moving the others on from its stored state
(`daur.analytics.incremental`; docs/scale.md, "Incremental nightly runs").

Read again: the customers the change log names (the triggers of migration insights 0016 write
it on every table the scoring reads: orders, lines, interactions, tickets, answers, customers,
products), the buyers of a changed product, and the customers due by the state (an order or a
ticket leaving a window, an event after the previous as-of day coming in). The leads' columns
are read for the whole base (one query each). Then the whole base is fitted, ranked and stored as
a full run stores it. A full run is made instead, and says why, when there is no usable state,
the rules or settings changed, a trigger is missing or a table was truncated, the as-of day is
not after the state's, or more than DAUR_INCREMENTAL_MAX_SHARE of the base would be read again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.conf import settings
from django.db import transaction

from daur.analytics.features import latest_event_day
from daur.analytics.fit_inputs import FitInputs, sample_keys
from daur.analytics.incremental import (
    CustomerState,
    buyers_of,
    calibration_plan,
    due_for_reading,
    latest_day,
    move_on,
    splice,
    state_features,
    state_of,
    with_aged,
)
from daur.analytics.model_choice import calibration_sample
from daur.analytics.rules_config import RulesConfig
from daur.analytics.scoring import BaseScores, buyer_summary, features_of, score_features
from daur.analytics.scoring_models import BuyerSummary, fit_inputs_from
from daur.db.changes import SeenChanges, changes_consume, changes_seen, triggers_missing
from daur.db.snapshot import SharedSnapshot
from daur.insights.extract import (
    BaseRecords,
    base_records,
    lead_columns,
    product_buyers,
    purchases_of,
)
from daur.insights.models import ScoreChange, ScoringRun
from daur.insights.runs import run_fail
from daur.insights.scoring_state import fingerprint, state_load, state_store
from daur.insights.services import EPOCH, run_start, scores_record, scores_store_full

LOG = ScoreChange._meta.db_table
READ_CHUNK = 2_000  # customers per query when a few are read again


class FullRunNeeded(Exception):
    """Why the incremental run cannot be made: a full run is made instead."""


def scores_compute_incremental(*, as_of: date | None = None) -> ScoringRun:
    """Score the base from the stored state and the customers read again; a full run where
    one is needed (the run's message says why). A run that raises is marked failed and leaves
    the previous scores, state and change log as they were."""
    run, config, started = run_start(incremental=True)
    try:
        try:
            _incremental_store(run, as_of, config, started)
        except FullRunNeeded as reason:
            run.incremental, run.customers_reread = False, 0
            note = f"A full run: {reason}."
            scores_store_full(run, as_of, config, started, note=note)
    except BaseException as error:
        run_fail(run, f"Scoring failed: {type(error).__name__}: {error}")
        raise
    return run


@dataclass(frozen=True)
class _Read:
    """Customers read again: their records, chunk by chunk, and their pks as asked."""

    asked: np.ndarray
    parts: list[BaseRecords]


def _read(pks: np.ndarray) -> _Read:
    parts = [
        base_records(customers=pks[start : start + READ_CHUNK].tolist())
        for start in range(0, len(pks), READ_CHUNK)
    ]
    return _Read(asked=pks, parts=parts)


def _incremental_store(
    run: ScoringRun, as_of: date | None, config: RulesConfig, started: float
) -> None:
    # On PostgreSQL every read sees one snapshot (a REPEATABLE READ transaction, held for the
    # reads only): the change log and the rows read again agree, as in a full run's read.
    with SharedSnapshot():
        read = _incremental_read(as_of, config)
    whole = read.whole
    features = state_features(whole, qualified_lead=read.qualified, lead_score=read.lead_score)
    buyers = buyers_of(whole)
    inputs = read.fit_inputs
    scores = score_features(
        features,
        buyers=buyers,
        fit_inputs=None if buyers is None or inputs is None else (lambda: inputs),
        margin_rate=whole.columns["margin_rate"],
        config=config,
    )
    run.customers_reread = read.n_changed + read.n_due
    note = (
        f"Incremental: {run.customers_reread:,} of {whole.n_customers:,} customers read again "
        f"({read.n_changed:,} changed, {read.n_due:,} with an event leaving a window or "
        "coming in)."
    )
    _store(run, whole, scores, config, started, read.seen, note)


@dataclass(frozen=True)
class _IncrementalRead:
    whole: CustomerState  # moved on, the customers read again spliced in
    seen: SeenChanges
    n_changed: int
    n_due: int
    qualified: np.ndarray
    lead_score: np.ndarray
    fit_inputs: FitInputs | None  # None without a buyer


def _incremental_read(as_of: date | None, config: RulesConfig) -> _IncrementalRead:
    stored = state_load()
    if stored is None:
        raise FullRunNeeded("no stored state of an earlier run")
    if stored.state is None:
        raise FullRunNeeded(f"the stored state is of an older format ({stored.format})")
    if stored.fingerprint != fingerprint(config):
        raise FullRunNeeded("the rules or the settings changed since the stored state")
    missing = triggers_missing()
    if missing:
        raise FullRunNeeded(f"the change capture's triggers are missing ({', '.join(missing)})")
    state = stored.state
    limit = settings.DAUR_INCREMENTAL_MAX_SHARE * max(state.n_customers, 1)
    seen = changes_seen(LOG)
    if seen.everything:
        raise FullRunNeeded("a table the scoring reads was emptied (TRUNCATE)")
    changed = np.union1d(seen.customer_ids, product_buyers(seen.product_ids.tolist()))
    if len(changed) > limit:
        raise FullRunNeeded(_too_many(len(changed), state.n_customers))
    first = _read(changed)
    as_of_day = _as_of_day(as_of, state, first)
    if as_of_day <= state.as_of_day:
        raise FullRunNeeded(
            f"the as-of day {_day(as_of_day)} is not after the stored state's "
            f"{_day(state.as_of_day)}"
        )
    due = np.setdiff1d(due_for_reading(state, as_of_day), changed)
    if len(changed) + len(due) > limit:
        raise FullRunNeeded(_too_many(len(changed) + len(due), state.n_customers))
    second = _read(due)
    fresh = [_state_of(part, as_of_day, config) for part in (*first.parts, *second.parts)]
    whole = splice(move_on(state, as_of_day), _joined(fresh, as_of_day), np.union1d(changed, due))
    qualified, lead_score = lead_columns(whole.pks)
    bought = buyers_of(whole)
    return _IncrementalRead(
        whole=whole,
        seen=seen,
        n_changed=len(changed),
        n_due=len(due),
        qualified=qualified,
        lead_score=lead_score,
        fit_inputs=None if bought is None else _fit_inputs(whole, bought[1]),
    )


def _store(
    run: ScoringRun,
    whole: CustomerState,
    scores: BaseScores,
    config: RulesConfig,
    started: float,
    seen: SeenChanges,
    note: str,
) -> None:
    with transaction.atomic():
        scores_record(run, whole.pks, scores, config, started, note=note)
        state_store(run, whole, config)
        changes_consume(LOG, seen)


def _as_of_day(as_of: date | None, state: CustomerState, first: _Read) -> int:
    """The as-of day asked, or the latest event day of the base: the customers read again
    give theirs, the others keep theirs."""
    if as_of is not None:
        return (as_of - EPOCH).days
    days = [latest_day(state, leaving=first.asked)]
    for part in first.parts:
        e = part.events
        days.append(
            latest_event_day(
                e.orders.ordered_day, e.interactions.day, e.tickets.opened_day,
                e.surveys.answered_day,
            )
        )
    return max(days)


def _state_of(records: BaseRecords, as_of_day: int, config: RulesConfig) -> CustomerState:
    events = records.events
    features = features_of(events, as_of_day, config)
    return state_of(
        events,
        pks=records.customer_pks,
        referrer_pks=records.referrer_ids,
        market_keys=records.market_keys,
        features=features,
        bought=buyer_summary(events, as_of_day),
        config=config,
    )


def _joined(parts: Sequence[CustomerState], as_of_day: int) -> CustomerState:
    parts = [p for p in parts if p.n_customers]
    if not parts:
        return CustomerState(as_of_day=as_of_day, columns={})
    names = parts[0].columns.keys()
    return CustomerState(
        as_of_day=as_of_day,
        columns={name: np.concatenate([p.columns[name] for p in parts]) for name in names},
    )


def _fit_inputs(whole: CustomerState, summary: BuyerSummary) -> FitInputs:
    """The fit's inputs: the buyers' summary moved on, and the holdout test's sample drawn from
    its customers' purchases read again (the calibration end moves with the as-of day)."""
    keys = sample_keys(whole.pks)
    plan = calibration_plan(whole, keys)
    assert plan is not None  # there are buyers
    sample = None
    if not plan.too_short:
        pks = whole.pks[plan.customers]
        customer, day, amount = _purchases(pks)
        index = np.searchsorted(pks, customer)
        kept = (day <= whole.as_of_day) & (amount > 0)
        sample = with_aged(
            calibration_sample(
                index[kept], day[kept], amount[kept], whole.as_of_day,
                first_day=plan.first_day, keys=keys[plan.customers],
            ),
            plan.n_aged,
        )
    return fit_inputs_from(summary, plan.first_day, sample)


def _purchases(pks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    step = 10 * READ_CHUNK
    parts = [purchases_of(pks[s : s + step].tolist()) for s in range(0, len(pks), step)]
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))  # type: ignore[return-value]


def _too_many(n: int, total: int) -> str:
    return (
        f"{n:,} of {total:,} customers to read again, more than "
        f"DAUR_INCREMENTAL_MAX_SHARE ({settings.DAUR_INCREMENTAL_MAX_SHARE:g}) of the base"
    )


def _day(day: int) -> str:
    return np.datetime64(day, "D").astype(str)
