"""An import killed with SIGKILL while it parses leaves no process and no database session."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

import daur

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]

ORDERS = 600_000  # some 40 MB: parsed in a forked child for several seconds


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the task ended meanwhile
            found.update(int(p) for p in (task / "children").read_text().split())
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status waits to be collected


def _sessions(application: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state FROM pg_stat_activity WHERE application_name = %s", [application]
        )
        return [state for (state,) in cursor.fetchall()]


def _database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgresql://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_an_import_killed_while_parsing_leaves_no_child_and_no_session(tmp_path):
    path = tmp_path / "orders.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("order_id,customer_id,ordered_at,amount,currency,discount_amount,coupon_code,"
                  "channel,reseller_id\n")
        out.writelines(
            f"O{i},C{i % 5000},2025-01-15T10:00:00+07:00,{1000 + i},IDR,0,,store,\n"
            for i in range(ORDERS)
        )
    application = f"daur-killed-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAUR_")}
    env.update(
        DAUR_HOME=str(tmp_path),
        DAUR_DATABASE_URL=_database_url(),
        DJANGO_SETTINGS_MODULE="daur.config.settings",
        PGAPPNAME=application,
        PYTHONPATH=str(Path(daur.__file__).resolve().parents[1]),  # this checkout's daur
    )
    importer = subprocess.Popen(
        [sys.executable, "-m", "daur.cli", "import", "orders", str(path)],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while not (children and _sessions(application)):  # parsing, its transaction open
            assert importer.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import never started parsing"
            children = _children(importer.pid)
            time.sleep(0.05)
        importer.send_signal(signal.SIGKILL)
        importer.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_alive(child) for child in children) or _sessions(application):
            if time.monotonic() > deadline:
                pytest.fail(
                    f"after 5 s: children alive {[c for c in children if _alive(c)]}, "
                    f"sessions {_sessions(application)}"
                )
            time.sleep(0.1)
    finally:
        if importer.poll() is None:
            importer.kill()
        for child in children:
            if _alive(child):
                os.kill(child, signal.SIGKILL)


def test_a_session_idle_in_a_transaction_is_ended_by_the_server(settings):
    # The backstop for a process stopped mid-transaction (SIGSTOP, a hung client, a debugger).
    with connection.cursor() as cursor:
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        shown = cursor.fetchone()[0]
    assert shown == f"{settings.DAUR_DB_IDLE_IN_TRANSACTION_SECONDS // 60}min"
