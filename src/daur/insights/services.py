"""Writes of insights: `scores_compute` (the batch job) and `customers_rescore` (real time)."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from daur.analytics.features import CustomerFeatures
from daur.analytics.incremental import state_of
from daur.analytics.lifecycle import LIFECYCLE_STAGES, stage_transitions
from daur.analytics.orientation import ORIENTATIONS
from daur.analytics.rules_config import RulesConfig
from daur.analytics.scoring import BaseScores, score_base
from daur.analytics.strategy import STRATEGIES
from daur.analytics.typology import TYPE_LABELS
from daur.db import dialect, shadow
from daur.db.changes import changes_consume, changes_seen
from daur.db.copy import rows_insert
from daur.db.numeric import fetch_numeric
from daur.definitions.rules import rules_config
from daur.insights.alerts_history import OrderRows
from daur.insights.extract import BaseRecords, base_records
from daur.insights.models import CustomerScore, ScoreChange, ScoringRun, StageChange
from daur.insights.reasons import strategy_reasons
from daur.insights.runs import run_fail, runs_stale_fail
from daur.insights.scoring_state import state_store

logger = logging.getLogger(__name__)
EPOCH = date(1970, 1, 1)
SCORE_COLUMNS = (
    "customer_id",
    "run_id",
    "as_of",
    "lifecycle_stage",
    "types",
    "type_bits",
    "orientation",
    "loyalty_score",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "rfm_segment",
    "p_alive",
    "expected_orders_90d",
    "expected_order_value",
    "clv_12m",
    "strategy",
    "strategy_reasons",
    "scored_at",
    "realtime",
)


def day_of(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def scores_compute(*, as_of: date | None = None) -> ScoringRun:
    """Fit the models on the base and score every customer, replacing all scores atomically.

    The run ends `scored`: `daur.jobs.score_run` marks it `succeeded` once the dashboard
    figures and alerts are stored. A run that raises is marked failed."""
    run, config, started = run_start()
    try:
        records, scores = scores_store_full(run, as_of, config, started)
    except BaseException as error:
        run_fail(run, f"Scoring failed: {type(error).__name__}: {error}")
        raise
    run.order_rows = _order_rows(records, scores.as_of_day)
    return run


def run_start(**fields: Any) -> tuple[ScoringRun, RulesConfig, float]:
    """A new run (stale ones marked failed first), its rules and its start time."""
    runs_stale_fail()
    started = time.perf_counter()
    config = rules_config()
    run = ScoringRun.objects.create(
        base_currency=settings.DAUR_DEFAULT_CURRENCY,
        config=config.as_mapping(),
        host=socket.gethostname(),
        pid=os.getpid(),
        **fields,
    )
    return run, config, started


def scores_store_full(
    run: ScoringRun, as_of: date | None, config: RulesConfig, started: float, note: str = ""
) -> tuple[BaseRecords, BaseScores]:
    """Read the whole base, score it and store the scores, with the state the next
    incremental run moves on from; the change log's entries seen before the read are done."""
    seen = changes_seen(ScoreChange._meta.db_table)
    records = base_records()
    as_of_day = None if as_of is None else (as_of - EPOCH).days
    # A model that cannot be fitted leaves its part to the rules (said in the run's message and
    # fits["fallbacks"]): every customer is scored.
    scores = score_base(records.events, as_of_day=as_of_day, config=config)
    state = state_of(
        records.events,
        pks=records.customer_pks,
        referrer_pks=records.referrer_ids,
        market_keys=records.market_keys,
        features=scores.features,
        bought=scores.bought,
        config=config,
    )
    with transaction.atomic():
        scores_record(run, records.customer_pks, scores, config, started, note=note)
        state_store(run, state, config)
        changes_consume(ScoreChange._meta.db_table, seen)
    return records, scores


def scores_record(
    run: ScoringRun,
    pks: np.ndarray,
    scores: BaseScores,
    config: RulesConfig,
    started: float,
    *,
    note: str = "",
) -> None:
    """Store a run's scores, stage changes and record (the caller holds the transaction)."""
    _stage_changes_record(run, pks, scores, realtime=False)
    _scores_replace(run, pks, scores, config)
    run.as_of = day_of(scores.as_of_day)
    run.status = ScoringRun.Status.SCORED
    run.message = " ".join(part for part in (scores.message, note) if part)
    run.rules_only = scores.rules_only
    run.fits, run.cuts = scores.fits, scores.cuts
    run.n_customers = len(pks)
    run.n_buyers = int((scores.features.order_count > 0).sum())
    run.events_after_as_of = dict(scores.features.events_after_as_of)
    run.finished_at, run.seconds = timezone.now(), time.perf_counter() - started
    run.save()


def _order_rows(records: BaseRecords, as_of_day: int) -> OrderRows:
    """The orders the run read, as the alerts read them (customer, day, spend or NaN for a
    refund; up to the as-of day), so that they need not be read again: both take an order's day
    from `daur.db.dialect.local_day` and its amount from `daur.definitions.currency`."""
    orders = records.events.orders
    kept = orders.ordered_day <= as_of_day
    amount = orders.amount[kept]
    matrix = np.column_stack(
        (
            records.customer_pks[orders.customer_index[kept]].astype(np.float64),
            orders.ordered_day[kept].astype(np.float64),
            np.where(amount >= 0, amount, np.nan),
        )
    )
    return OrderRows(parts=[matrix], packed=False)


# The last run read, by (id, finished at): a finished run does not change.
_RUNS: dict[tuple[Any, Any], ScoringRun] = {}


def latest_run() -> ScoringRun | None:
    """The last run whose scores are stored, with what re-scoring needs (not its configuration
    copy).

    Looked up on every call (one index probe); its fits and cut-offs are parsed once per
    process."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, finished_at FROM {ScoringRun._meta.db_table} WHERE status IN (%s, %s) "
            "ORDER BY id DESC LIMIT 1",
            list(ScoringRun.SCORES_STORED),
        )
        found = cursor.fetchone()
    if found is None:
        return None
    key = (found[0], found[1])
    if key not in _RUNS:
        run = ScoringRun.objects.defer("config", "events_after_as_of").filter(pk=key[0]).first()
        if run is None:
            return None
        _RUNS.clear()
        _RUNS[key] = run
    return _RUNS[key]


def customers_rescore(*, customer_ids: Iterable[int]) -> int:
    """Re-score a few customers at once with the last run's fit and cut-offs: no refit.

    Returns how many were re-scored (0 when the base has never been scored).
    """
    run = latest_run()
    pks = sorted({int(pk) for pk in customer_ids})
    if run is None or not pks:
        return 0
    config = rules_config()
    scores, records = _score_few(run, pks, config)
    with transaction.atomic():
        _stage_changes_record(run, records.customer_pks, scores, realtime=True)
        with connection.cursor() as cursor:
            listed = ",".join(str(pk) for pk in pks)
            cursor.execute(
                f"DELETE FROM {CustomerScore._meta.db_table} WHERE customer_id IN ({listed})"
            )
        _scores_insert(run, records.customer_pks, scores, config, realtime=True)
    return records.n_customers


@dataclass(frozen=True)
class _Neighbourhood:
    """What a customer's features need from other customers: its referrals and market openings."""

    referrals: np.ndarray
    converted_referrals: np.ndarray
    door_opener: np.ndarray


def rescore_results(run: ScoringRun, pks: list[int], config: RulesConfig) -> BaseScores:
    """The full results (with evidence) for a few customers, as a real-time re-score computes
    them; nothing is stored."""
    return _score_few(run, pks, config)[0]


def _score_few(run: ScoringRun, pks: list[int], config: RulesConfig) -> tuple[BaseScores, Any]:
    records = base_records(customers=pks)
    orders_days = records.events.orders.ordered_day
    as_of = (run.as_of - EPOCH).days
    if len(orders_days):
        as_of = max(as_of, int(orders_days.max()))
    hood = _neighbourhood(records.customer_pks)

    def patch(features: CustomerFeatures) -> CustomerFeatures:
        return replace(
            features,
            referrals_count=hood.referrals,
            converted_referrals=hood.converted_referrals,
            door_opener=hood.door_opener,
        )

    scores = score_base(
        records.events,
        as_of_day=as_of,
        config=config,
        fits=run.fits or None,
        cuts=run.cuts or None,
        patch_features=patch,
    )
    return scores, records


def _neighbourhood(pks: np.ndarray) -> _Neighbourhood:
    """Counted in SQL for the few customers: referrals made (and those that ordered); the
    door-opener label is kept from the last batch run (it depends on the whole market)."""
    listed = ",".join(str(int(pk)) for pk in pks) or "NULL"
    door_bit = 1 << TYPE_LABELS.index("door_opener")
    with connection.cursor() as cursor:
        # One query: the referral counts, then (with a count of -1) the door openers.
        cursor.execute(
            "SELECT c.referred_by_id, COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM sales_order o "
            "WHERE o.customer_id = c.id) THEN 1 ELSE 0 END) FROM customers_customer c "
            f"WHERE c.referred_by_id IN ({listed}) GROUP BY c.referred_by_id "
            f"UNION ALL SELECT customer_id, -1, 0 FROM {CustomerScore._meta.db_table} "
            f"WHERE customer_id IN ({listed}) AND (type_bits & {door_bit}) > 0"
        )
        rows = cursor.fetchall()
    counts = {row[0]: (row[1], row[2]) for row in rows if row[1] >= 0}
    openers = {row[0] for row in rows if row[1] < 0}
    return _Neighbourhood(
        referrals=np.array([counts.get(int(pk), (0, 0))[0] for pk in pks], dtype=np.int64),
        converted_referrals=np.array(
            [counts.get(int(pk), (0, 0))[1] for pk in pks], dtype=np.int64
        ),
        door_opener=np.array([int(pk) in openers for pk in pks], dtype=bool),
    )


def _score_columns(
    run: ScoringRun, pks: np.ndarray, s: BaseScores, config: RulesConfig, realtime: bool
) -> list[list[Any]]:
    """The values of SCORE_COLUMNS, a list per column."""
    stages = s.stage.names()
    orientations = np.array(["", *ORIENTATIONS], dtype=object)[s.orientation.orientation + 1]
    strategies = np.array(["", *STRATEGIES], dtype=object)[s.strategy.strategy + 1]
    reasons = strategy_reasons(s.strategy, stages, config)
    # The same value on every row: formatted once (text both databases read).
    as_of = day_of(s.as_of_day).isoformat()
    now = dialect.moment_value(timezone.now())
    n = len(pks)
    return [
        pks.tolist(),
        [run.pk] * n,
        [as_of] * n,
        stages.tolist(),
        s.types.joined(";").tolist(),
        s.types.bits().tolist(),
        orientations.tolist(),
        s.loyalty.score.tolist(),
        *(_nullable(v, v > 0) for v in (s.rfm_r, s.rfm_f, s.rfm_m)),
        s.rfm_segment.tolist(),
        *(
            _nullable(v, ~np.isnan(v))
            for v in (s.p_alive, s.expected_orders_90d, s.expected_order_value, s.clv_12m)
        ),
        strategies.tolist(),
        reasons,
        [now] * n,
        [realtime] * n,
    ]


def _nullable(values: np.ndarray, present: np.ndarray) -> list[Any]:
    return [v if p else None for v, p in zip(values.tolist(), present.tolist(), strict=True)]


def _scores_replace(run: ScoringRun, pks: np.ndarray, s: BaseScores, config: RulesConfig) -> None:
    table = CustomerScore._meta.db_table
    columns = _score_columns(run, pks, s, config, realtime=False)
    if shadow.replaceable(table):
        shadow.table_replace(table, lambda name: _rows_insert(name, SCORE_COLUMNS, columns))
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    _rows_insert(table, SCORE_COLUMNS, columns)


def _scores_insert(run, pks, s, config, *, realtime: bool) -> None:
    _rows_insert(
        CustomerScore._meta.db_table, SCORE_COLUMNS, _score_columns(run, pks, s, config, realtime)
    )


def _rows_insert(table: str, names: tuple[str, ...], columns: list[list[Any]]) -> None:
    rows_insert(table, names, columns, queued=True)


def range_scores_store(
    run: ScoringRun,
    pks: np.ndarray,
    s: BaseScores,
    config: RulesConfig,
    *,
    id_range: tuple[int, int],
) -> None:
    """A distributed run's range: its scores into the table being prepared (`shadow`) and its
    stage changes, replacing what an earlier attempt at the same range wrote: a retried range
    writes nothing twice. The caller holds the transaction."""
    low, high = (int(v) for v in id_range)
    table = shadow.shadow_name(CustomerScore._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{table}" WHERE customer_id BETWEEN {low} AND {high}')
        cursor.execute(
            f"DELETE FROM {StageChange._meta.db_table} WHERE run_id = %s "
            f"AND customer_id BETWEEN {low} AND {high}",
            [run.pk],
        )
    _stage_changes_record(run, pks, s, realtime=False, id_range=(low, high))
    _rows_insert(f'"{table}"', SCORE_COLUMNS, _score_columns(run, pks, s, config, realtime=False))


def _stage_changes_record(
    run: ScoringRun,
    pks: np.ndarray,
    s: BaseScores,
    *,
    realtime: bool,
    id_range: tuple[int, int] | None = None,
) -> None:
    """Store each customer whose stage differs from its stored one; a regain when it came back."""
    before = _stored_stages(pks, realtime=realtime, id_range=id_range)
    after = s.stage.names().astype(object)
    moves = stage_transitions(before, after)
    changed = np.flatnonzero(moves.changed)
    if changed.size == 0:
        return
    day = dialect.day_value(day_of(s.as_of_day))
    n = len(changed)
    _rows_insert(
        StageChange._meta.db_table,
        ("customer_id", "changed_on", "from_stage", "to_stage", "regained", "run_id"),
        [
            pks[changed].tolist(),
            [day] * n,
            before[changed].tolist(),
            after[changed].tolist(),
            moves.regained[changed].tolist(),
            [run.pk] * n,
        ],
    )


def _stored_stages(
    pks: np.ndarray, *, realtime: bool, id_range: tuple[int, int] | None = None
) -> np.ndarray:
    """The stored stage name of each of `pks` ("" when it has no score), read as codes."""
    codes = " ".join(f"WHEN '{name}' THEN {code}" for code, name in enumerate(LIFECYCLE_STAGES))
    where = ""
    if id_range is not None:
        where = f"WHERE customer_id BETWEEN {int(id_range[0])} AND {int(id_range[1])}"
    elif realtime:
        where = "WHERE customer_id IN (" + (",".join(str(int(pk)) for pk in pks) or "NULL") + ")"
    rows = fetch_numeric(
        f"SELECT customer_id, CASE lifecycle_stage {codes} ELSE -1 END "
        f"FROM {CustomerScore._meta.db_table} {where}",
        2,
        few=realtime,
    )
    names = np.array([*LIFECYCLE_STAGES, ""], dtype=object)  # code -1 -> ""
    before = np.full(len(pks), "", dtype=object)
    if len(rows) and len(pks):
        stored_pks = rows[:, 0].astype(np.int64)
        position = np.searchsorted(pks, stored_pks)
        inside = position < len(pks)
        inside[inside] &= pks[position[inside]] == stored_pks[inside]
        before[position[inside]] = names[rows[inside, 1].astype(np.int64)]
    return before
