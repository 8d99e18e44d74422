"""`python -m daur.services_check DB_URL REDIS_URL`: exit 0 when both answer, else say why."""

from __future__ import annotations

import sys


def reachable(database_url: str, redis_url: str) -> list[str]:
    """What is not reachable, each with the reason; empty when both answer."""
    problems = []
    try:
        import psycopg

        with psycopg.connect(database_url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable", with its text
        problems.append(f"PostgreSQL at {database_url}: {error}".strip())
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except Exception as error:  # noqa: BLE001
        problems.append(f"Redis at {redis_url}: {error}".strip())
    return problems


def main(argv: list[str]) -> int:
    problems = reachable(argv[0], argv[1])
    for problem in problems:
        print(f"not reachable: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
