"""`daur score --distributed`: the scoring run split over ranges of customers on Celery workers.

The coordinator (the command) holds one exported PostgreSQL snapshot for the whole run, so that
every range reads the same moment of the base; the ranges' work is two phases on the workers
(1 and 3), with the coordinator's merge between them:
1. summarise: each range returns what the merge needs (`analytics.scoring_parts.range_parts`)
   and keeps its features and buyer summary (`analytics.range_state`: binary columns beside
   the range); the merge folds the ranges' parts in as it reads them and fits the purchase and
   spend models once;
2. value: the coordinator computes each range's buyers' 12-month CLVs under that fit from the
   buyers' summaries the ranges kept (one range at a time), and sets every cut-off (RFM edges,
   top shares, medians) exactly as the whole base would;
3. score: each range is scored from what its first phase kept (it is not read again), with the
   fit, the cut-offs and its neighbourhood, into the copy of the scores table being prepared
   (`daur.db.shadow`), with its stage changes. A range whose kept columns are missing is read
   again, in the run's snapshot.
When every range is scored the copy gets its indexes (several built at once) and is swapped in,
in one transaction: readers see the previous scores until then, and all the new ones after. A
range's work is idempotent (a retried range replaces what its first attempt wrote), so a worker
killed midway costs a retry; a run that cannot finish drops the copy and its stage changes,
keeps the previous scores and says why.
"""

from __future__ import annotations

import bisect
import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from daur.analytics.incremental import CustomerState
from daur.analytics.range_state import range_state, range_state_complete, range_state_scores
from daur.analytics.rank_select import Histogram
from daur.analytics.rules_config import RulesConfig
from daur.analytics.scoring import buyer_summary, features_of, score_base
from daur.analytics.scoring_models import fit_from_inputs, purchase_model_of
from daur.analytics.scoring_parts import (
    MergedParts,
    RangeContext,
    ValueCounts,
    base_cuts,
    buyer_rows,
    clv_counts,
    cut_selections,
    merge_parts,
    neighbourhood_patch,
    range_parts,
)
from daur.db import dialect, shadow
from daur.db.changes import changes_consume, changes_seen
from daur.db.columns import columns_read, columns_write
from daur.db.line_customer import lines_customer_fill
from daur.definitions import currency
from daur.definitions.rules import rules_config
from daur.insights.extract import base_records
from daur.insights.models import (
    CustomerScore,
    ScoreChange,
    ScoringRange,
    ScoringRangeColumn,
    ScoringRun,
    ScoringState,
    StageChange,
)
from daur.insights.range_codec import decode, encode
from daur.insights.runs import run_fail, runs_stale_fail
from daur.insights.services import EPOCH, day_of, range_scores_store

PHASES = {1: "summarising", 3: "scoring"}
MAX_ATTEMPTS = 3
RANGE_COLUMNS = ScoringRangeColumn._meta.db_table
_SNAPSHOT_ID = re.compile(r"^[0-9A-Fa-f-]+$")
Dispatch = Callable[[int, list[tuple]], None]


class DistributedScoringError(RuntimeError):
    """A distributed run that cannot start or finish (the previous scores are kept)."""


def scores_compute_distributed(
    *,
    dispatch: Dispatch,
    as_of: date | None = None,
    range_size: int | None = None,
    timeout: float | None = None,
    progress: Callable[[ScoringRun, int, int, int], None] | None = None,
) -> ScoringRun:
    """Score the base over ranges of `range_size` customers; `dispatch(phase, [task args])`
    sends one task per range (`range_work(*args)`) to the workers. Returns the run `scored`."""
    distributed_check()
    runs_stale_fail()
    if ScoringRun.objects.filter(status=ScoringRun.Status.RUNNING).exists():
        raise DistributedScoringError("another scoring run is under way: try again when it ends")
    started = time.perf_counter()
    config = rules_config()
    run = ScoringRun.objects.create(
        base_currency=settings.DAUR_DEFAULT_CURRENCY,
        config=config.as_mapping(),
        host=socket.gethostname(),
        pid=os.getpid(),
    )
    table = CustomerScore._meta.db_table
    size = int(range_size or settings.DAUR_SCORING_RANGE_SIZE)
    limit = float(timeout or settings.DAUR_SCORING_RANGE_TIMEOUT)
    clock = _Clock()
    # This run stores no state for an incremental run: it drops the stored one (the next
    # incremental run is a full one) and the change log's entries it saw, which it read.
    seen = changes_seen(ScoreChange._meta.db_table)
    try:
        lines_customer_fill()  # lines a trigger could not reach (daur.db.line_customer)
        with _exported_snapshot() as (snapshot, raw):
            as_of_day, first_day = _days(raw, as_of)
            bounds = _ranges(raw, size)
            clock.lap("start")
            ScoringRange.objects.bulk_create(
                ScoringRange(run=run, number=n, low_id=low, high_id=high)
                for n, (low, high) in enumerate(bounds)
            )
            ScoringRun.objects.filter(pk=run.pk).update(ranges_total=len(bounds))
            args = [(run.pk, n, snapshot, as_of_day, first_day) for n in range(len(bounds))]
            _phase(run, 1, args, dispatch, limit, progress)
            clock.lap("summarise")
            merged = merge_parts(decode(r) for r in _payloads(run, "summary"))
            clock.lap("merge")
            fits = _fits(merged, as_of_day)
            ScoringRun.objects.filter(pk=run.pk).update(fits=fits)
            clock.lap("fit")
            clv = _clv_histogram(run, fits)
            chosen = cut_selections(merged, clv, config, fits, lambda: _values_again(run, fits))
            cuts = base_cuts(chosen, config, fits)
            ScoringRun.objects.filter(pk=run.pk).update(cuts=cuts)
            _neighbourhoods_store(run, merged)
            shadow.table_prepare(table)
            clock.lap("value")
            _phase(run, 3, args, dispatch, limit, progress)
            clock.lap("score")
        # The copy's indexes, several at once, before the swap: its transaction only renames.
        shadow.table_build(table, connections=settings.DAUR_SCORING_BUILD_CONNECTIONS)
        clock.lap("index")
        with transaction.atomic():
            shadow.table_swap(table, built=True)
            ScoringState.objects.all().delete()
            changes_consume(ScoreChange._meta.db_table, seen)
            run.as_of = day_of(as_of_day)
            run.status = ScoringRun.Status.SCORED
            run.message = "; ".join(fits.get("notes", [])) or (
                "" if merged.n_buyers else "no purchases yet: scored by the rules alone"
            )
            run.rules_only = purchase_model_of(fits) is None
            run.fits, run.cuts = fits, cuts
            run.n_customers, run.n_buyers = merged.n_customers, merged.n_buyers
            run.events_after_as_of = merged.events_after_as_of
            run.ranges_total = run.ranges_done = len(bounds)
            run.finished_at, run.seconds = timezone.now(), time.perf_counter() - started
            run.save()
    except BaseException as error:
        _abandon(run, table, error)
        raise
    ScoringRange.objects.filter(run=run).update(summary="", clv="", neighbourhood="")
    ScoringRangeColumn.objects.filter(range__run=run).delete()
    clock.lap("swap")
    run.phase_seconds = clock.laps  # for the command's report and the benchmark
    return run


class _Clock:
    """Seconds spent per step of the run, in order."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now


def distributed_check() -> None:
    """Refuse at once where a distributed run cannot work (before any other work is done)."""
    if not dialect.postgresql():
        raise DistributedScoringError(
            "distributed scoring needs PostgreSQL (DAUR_DATABASE_URL): run `daur score`"
        )


def _fits(merged: MergedParts, as_of_day: int) -> dict:
    if merged.fit is None:  # nobody has bought: the rules alone, as `score_base` does
        return {}
    return fit_from_inputs(merged.fit, as_of_day)


def _abandon(run: ScoringRun, table: str, error: BaseException) -> None:
    """A run that cannot finish: the prepared copy and its stage changes go, the previous
    scores stay, the run says why."""
    try:
        shadow.table_discard(table)
        StageChange.objects.filter(run=run).delete()
        ScoringRangeColumn.objects.filter(range__run=run).delete()
    finally:
        run_fail(
            run,
            f"Distributed scoring failed: {type(error).__name__}: {error}. "
            "The scores of the previous run were kept.",
        )


def _phase(run, phase, args, dispatch, limit, progress) -> None:
    """Send the phase's tasks and wait until every range has passed it."""
    dispatch(phase, [(*a[:2], phase, *a[2:]) for a in args])
    deadline = time.monotonic() + limit
    total = len(args)
    while True:
        done = ScoringRange.objects.filter(run=run, phase__gte=phase).count()
        if progress is not None:
            progress(run, phase, done, total)
        ScoringRun.objects.filter(pk=run.pk).update(
            message=f"distributed: {PHASES[phase]}, {done} of {total} ranges done"
        )
        if done == total:
            return
        failed = (
            ScoringRange.objects.filter(run=run, phase__lt=phase, attempts__gte=MAX_ATTEMPTS)
            .exclude(error="")
            .first()
        )
        if failed is not None:
            raise DistributedScoringError(
                f"range {failed.number} (customers {failed.low_id}-{failed.high_id}) failed "
                f"{failed.attempts} times: {failed.error}"
            )
        if time.monotonic() > deadline:
            raise DistributedScoringError(
                f"{total - done} of {total} ranges not {PHASES[phase]} after {limit:.0f} s: "
                "are the workers running (`daur worker`)?"
            )
        time.sleep(0.2)


def _clv_histogram(run: ScoringRun, fits: dict) -> Histogram:
    """The CLVs of every buyer, counted by bin range by range from the buyers' summaries kept by
    the first phase (no second read of the base)."""
    histogram = Histogram.empty()
    for text in _payloads(run, "clv"):
        histogram.add(clv_counts(decode(text), fits=fits).histogram())
    return histogram


def _values_again(run: ScoringRun, fits: dict) -> Iterator[dict[str, ValueCounts]]:
    """Per range, one at a time, its ranked figures' values and its buyers' CLVs (computed
    again: holding every range's would hold the base's)."""
    for summary, clv in zip(_payloads(run, "summary"), _payloads(run, "clv"), strict=True):
        counts = dict(decode(summary).counts)
        counts["clv"] = clv_counts(decode(clv), fits=fits)
        yield counts


def _payloads(run: ScoringRun, name: str) -> Iterator[str]:
    """The ranges' stored parts, one at a time (a range's is megabytes: never all at once)."""
    numbers = ScoringRange.objects.filter(run=run).order_by("number")
    for pk in list(numbers.values_list("pk", flat=True)):
        yield ScoringRange.objects.filter(pk=pk).values_list(name, flat=True).get()


def _neighbourhoods_store(run: ScoringRun, merged: MergedParts) -> None:
    """Each range's share of the merge: the referrals its customers made, the markets."""
    referrers = sorted(merged.referrals)
    for r in ScoringRange.objects.filter(run=run).only("pk", "low_id", "high_id"):
        start = bisect.bisect_left(referrers, r.low_id)
        stop = bisect.bisect_right(referrers, r.high_id)
        made = {pk: merged.referrals[pk] for pk in referrers[start:stop]}
        ScoringRange.objects.filter(pk=r.pk).update(
            neighbourhood=encode({"referrals": made, "markets": merged.markets})
        )


def range_work(
    run_id: int, number: int, phase: int, snapshot: str, as_of_day: int, first_day: int | None
) -> str:
    """One phase of one range (the body of the Celery task); safe to run again."""
    part = ScoringRange.objects.select_related("run").filter(run_id=run_id, number=number).first()
    if part is None or part.run.status != ScoringRun.Status.RUNNING:
        return "run over"
    if part.phase >= phase:
        return "already done"
    ScoringRange.objects.filter(pk=part.pk).update(
        attempts=F("attempts") + 1, worker=f"{socket.gethostname()}:{os.getpid()}"
    )
    if settings.DAUR_SCORING_RANGE_DELAY:  # a fault drill: time to kill the worker midway
        time.sleep(settings.DAUR_SCORING_RANGE_DELAY)
    try:
        _range_phase(part, phase, snapshot, as_of_day, first_day)
    except Exception as error:
        ScoringRange.objects.filter(pk=part.pk).update(
            error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    return "done"


def _range_phase(part: ScoringRange, phase, snapshot, as_of_day, first_day) -> None:
    run = part.run
    config = RulesConfig.from_mapping(run.config) if run.config else rules_config()
    bounds = (part.low_id, part.high_id)
    if phase == 1:
        _range_summarise(part, config, snapshot, as_of_day, first_day)
        return
    hood = decode(part.neighbourhood)
    merged = MergedParts(0, 0, {}, None, {}, hood["referrals"], hood["markets"])
    kept = columns_read(RANGE_COLUMNS, "range_id", part.pk)
    if range_state_complete(kept):  # the first phase's features: no second read
        state = CustomerState(as_of_day=as_of_day, columns=kept)
        pks = state.pks
        scores = range_state_scores(state, merged, config=config, fits=run.fits, cuts=run.cuts)
    else:
        with _snapshot_reads(snapshot):
            records = base_records(id_range=bounds)
        context = RangeContext(
            ids=records.customer_pks, referrer_ids=records.referrer_ids, markets=records.market_keys
        )
        pks = records.customer_pks
        scores = score_base(
            records.events,
            as_of_day=as_of_day,
            config=config,
            fits=run.fits,
            cuts=run.cuts,
            patch_features=neighbourhood_patch(context, merged),
        )
    with transaction.atomic():
        range_scores_store(run, pks, scores, config, id_range=bounds)
        updated = ScoringRange.objects.filter(pk=part.pk, phase__lt=3).update(
            phase=3, error="", attempts=0
        )
        ScoringRun.objects.filter(pk=run.pk).update(ranges_done=F("ranges_done") + updated)


def _range_summarise(part: ScoringRange, config, snapshot, as_of_day, first_day) -> None:
    """The first phase: read the range, hand the merge its parts and keep its features."""
    with _snapshot_reads(snapshot):
        records = base_records(id_range=(part.low_id, part.high_id))
    events = records.events
    context = RangeContext(
        ids=records.customer_pks, referrer_ids=records.referrer_ids, markets=records.market_keys
    )
    features = features_of(events, as_of_day, config)
    bought = buyer_summary(events, as_of_day)
    parts = range_parts(
        events,
        context,
        as_of_day=as_of_day,
        first_day=first_day,
        config=config,
        features=features,
        bought=bought,
    )
    state = range_state(events, context, features=features, bought=bought, config=config)
    with transaction.atomic():
        ScoringRangeColumn.objects.filter(range=part).delete()  # an earlier attempt's
        columns_write(RANGE_COLUMNS, "range_id", part.pk, state.columns)
        ScoringRange.objects.filter(pk=part.pk).update(
            summary=encode(parts),
            clv=encode(buyer_rows(events, as_of_day=as_of_day, bought=bought)),
            customers=records.n_customers,
            phase=1,
            error="",
            attempts=0,
        )


@contextmanager
def _exported_snapshot() -> Iterator[tuple[str, object]]:
    """A connection of its own holding a REPEATABLE READ snapshot for the run, and its id."""
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = raw.execute("SELECT pg_export_snapshot()").fetchone()[0]
        yield snapshot, raw
    finally:
        raw.close()


@contextmanager
def _snapshot_reads(snapshot: str) -> Iterator[None]:
    """Read in the run's snapshot (inside a caller's transaction: in that one, as it is)."""
    if not snapshot or connection.in_atomic_block:
        yield
        return
    if not _SNAPSHOT_ID.match(snapshot):
        raise DistributedScoringError(f"not a snapshot id: {snapshot!r}")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            # A range is usually a small part of the base, and every table it reads has an index
            # by customer (the orders' and lines' hold what it reads: sales migrations 0002 and
            # 0003, daur.db.line_customer): the
            # planner is kept from hashing a whole table against the range, which it picks on
            # its own estimates now and then (4.1 s against 0.7 s for a range's lines, 1M base).
            cursor.execute("SET LOCAL enable_seqscan = off")
        yield


def _days(raw, as_of: date | None) -> tuple[int, int | None]:
    """(the as-of day, the first purchase day up to it), read as `base_records` reads days:
    the as-of day defaults to the latest event's (`features.latest_event_day`)."""
    if as_of is not None:
        as_of_day = (as_of - EPOCH).days
    else:
        latest = " UNION ALL ".join(
            f"SELECT {dialect.local_day(f'(SELECT MAX({column}) FROM {table} {where})')}"
            for table, column, where in (
                ("sales_order", "ordered_at", ""),
                ("engagement_interaction", "occurred_at", "WHERE customer_id IS NOT NULL"),
                ("servicedesk_ticket", "opened_at", ""),
                ("surveys_surveyanswer", "answered_at", ""),
            )
        )
        found = raw.execute(f"SELECT MAX(d) FROM ({latest}) AS days (d)").fetchone()[0]
        as_of_day = int(found) if found is not None else 0
    day = dialect.local_day("o.ordered_at")
    amount = f"{dialect.as_float('o.amount')} * {currency.rate_sql('o.currency')}"
    # The earliest such order, walked to by the orders' index by time (the day is monotone in
    # the moment): a MIN over the whole table read every order (2.4 s at 10M orders).
    first = raw.execute(
        f"SELECT {day} FROM sales_order o WHERE {amount} > 0 AND {day} <= {as_of_day} "
        "ORDER BY o.ordered_at LIMIT 1"
    ).fetchone()
    return as_of_day, None if first is None else int(first[0])


def _ranges(raw, size: int) -> list[tuple[int, int]]:
    """Consecutive ranges of `size` customers (by id), covering every customer."""
    starts = [
        row[0]
        for row in raw.execute(
            "SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n "
            f"FROM customers_customer) AS numbered WHERE n % {int(size)} = 0 ORDER BY id"
        ).fetchall()
    ]
    if not starts:
        return []
    last = raw.execute("SELECT MAX(id) FROM customers_customer").fetchone()[0]
    ends = [s - 1 for s in starts[1:]] + [last]
    return list(zip(starts, ends, strict=True))
