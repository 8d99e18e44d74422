"""`daur score --distributed` on two real Celery workers (the deploy/ units) over PostgreSQL and
Redis, with one worker's process killed while it scores a range: the range goes back on the
queue, another process scores it, and the run ends with the same scores as the in-process run
that `daur score` stored before it."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys

from tests.ops.test_stack import (
    command,
    environment,
    sql,
    stack_database,  # noqa: F401 - the fixture
    unit,
    wait_for,
)
from tests.ops.test_stack import pytestmark as stack_marks

pytestmark = stack_marks

SCORES = (
    "SELECT customer_id, lifecycle_stage, types, orientation, loyalty_score, rfm_r, rfm_f, rfm_m,"
    " rfm_segment, p_alive, expected_orders_90d, expected_order_value, clv_12m, strategy,"
    " strategy_reasons, run_id FROM insights_customerscore ORDER BY customer_id"
)


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def test_a_worker_killed_mid_range_is_retried_and_the_scores_equal_the_in_process_run(
    stack_database,  # noqa: F811 - the fixture
    tmp_path,
):
    import redis

    broker = redis.Redis.from_url(os.environ["DAUR_TEST_REDIS_URL"])
    broker.flushdb()
    env = environment(stack_database, tmp_path)
    subprocess.run(command(unit("daur-web.service")["ExecStartPre"]), env=env, check=True)
    daur = [sys.executable, "-m", "daur.cli"]
    subprocess.run([*daur, "demo", "--customers", "150"], env=env, check=True, timeout=600)
    subprocess.run([*daur, "score"], env=env, check=True, timeout=600)  # in process
    before = sql(stack_database, SCORES)
    assert len(before) == 150
    logs = tmp_path / "logs"
    logs.mkdir()
    workers = []
    drill = {**env, "DAUR_SCORING_RANGE_DELAY": "1.0"}
    for i in ("1", "2"):
        out = (logs / f"worker{i}.log").open("w")
        argv = command(unit("daur-worker@.service")["ExecStart"], i)
        workers.append(subprocess.Popen(argv, env=drill, stdout=out, stderr=subprocess.STDOUT))
    try:
        score = subprocess.Popen(
            [*daur, "score", "--distributed", "--range-size", "25"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        busy = (
            "SELECT number, worker FROM insights_scoringrange r JOIN insights_scoringrun s "
            "ON s.id = r.run_id WHERE s.status = 'running' AND r.phase = 1 AND r.attempts > 0"
        )
        number, worker = wait_for(
            lambda: (sql(stack_database, busy) or [None])[0], 180, "a range being scored"
        )
        os.kill(int(worker.rsplit(":", 1)[1]), signal.SIGKILL)
        output, _ = score.communicate(timeout=300)
        assert score.returncode == 0, output
        assert "scoring: 6 of 6 ranges done" in output
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        broker.flushdb()
    runs = sql(
        stack_database, "SELECT id, status, ranges_done FROM insights_scoringrun ORDER BY id"
    )
    run_id, status, done = runs[-1]
    assert (status, done) == ("succeeded", 6)
    retried = sql(
        stack_database,
        f"SELECT worker FROM insights_scoringrange WHERE run_id = {run_id} AND number = {number}",
    )
    assert retried[0][0] != worker  # scored by another process than the killed one
    after = sql(stack_database, SCORES)
    assert [row[0] for row in after] == [row[0] for row in before]
    for old, new in zip(before, after, strict=True):
        assert new[-1] == run_id
        assert all(same(a, b) for a, b in zip(old[:-1], new[:-1], strict=True)), (old, new)
    text = "".join((logs / f"worker{i}.log").read_text(errors="replace") for i in ("1", "2"))
    assert "WorkerLostError" in text or "exited prematurely" in text, text[-3000:]
