"""A cursor whose statements PostgreSQL plans once per connection, for the hottest reads.

Django's PostgreSQL cursors bind parameters on the client (psycopg's ClientCursor: the values
are quoted into the SQL text), so PostgreSQL parses and plans every query anew. For the API's
one-row reads (the token, a customer) the planning cost more than the execution (0.5 ms against
0.1 ms for the customer read with its joins, in EXPLAIN ANALYZE), on the cores the web
processes share. This cursor binds on the server and prepares each statement on its connection
(psycopg keeps them by SQL text and parameter types, the last 100; Django turns psycopg's
preparing off, for connection poolers, and it is turned on here): the first run plans it, the
later ones only execute it (0.59 ms of PostgreSQL's CPU a customer read before, 0.08 after).
Only for queries whose parameters PostgreSQL can type from their place (a column compared with a
value). With a pooler in transaction mode between Daur and PostgreSQL that does not keep
prepared statements, set DAUR_DB_PREPARED_READS=false. On SQLite, and when off, it is Django's
own cursor. Queries are logged as Django's are (debug, the tests' query counts).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.db import connection
from django.db.backends.utils import CursorWrapper
from psycopg.pq import Format


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    if connection.vendor != "postgresql" or not settings.DAUR_DB_PREPARED_READS:
        with connection.cursor() as cursor:
            yield cursor
        return
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        if connection.connection.prepare_threshold is None:
            # Only cursors that bind on the server (this one) ever prepare: Django's bind on
            # the client, which psycopg never prepares.
            connection.connection.prepare_threshold = 0
        raw = psycopg.Cursor(connection.connection)
        # As Django's create_cursor: the session's time zone when the connection's differs.
        adapters = connection.connection.adapters
        loader = adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, raw)
        cursor = connection._prepare_cursor(raw)  # Django's wrapping: errors, the query log
    with cursor:
        yield cursor
