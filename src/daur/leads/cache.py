"""Figures of the pipeline cached until the pipeline changes: the board's stage totals and its
stage flow, per scope (the whole pipeline, or a rep's leads) and filters.

The key holds the newest lead id, lead change (`updated_at`), lead history row (a deletion writes
one) and stage move: four reads of the top of an index, however long the pipeline. Any move or
new, changed or deleted lead changes the key, so a cached figure is never stale (a change by
`QuerySet.update` must set `updated_at`, as the lead actions do). Filters relative to now (age,
overdue) are not cached: their leads change with the clock; nor a win-probability range: a
re-score moves leads in and out of it without changing the key. DAUR_LEAD_FLOW_CACHE_SECONDS (0:
no cache) bounds how long an unused entry stays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from daur.accounts.models import Role, User
from daur.leads.models import Lead, LeadStageChange

T = TypeVar("T")


class PipelineStamp:
    """The pipeline's newest changes (the key's four reads), read at most once: the figures of
    one page (the board's totals and its flow) share it. Made after the page's writes."""

    def __init__(self) -> None:
        self._value: tuple | None = None

    def read(self) -> tuple:
        if self._value is None:
            with connection.cursor() as cursor:
                cursor.execute(_stamp_sql())
                self._value = cursor.fetchone()
        return self._value


def pipeline_cached(
    user: User, filters: Any, what: str, compute: Callable[[], T],  # noqa: ANN401 - LeadFilters
    stamp: PipelineStamp | None = None,
) -> T:
    """`compute()`, or its cached value under the key of the user's scope, the filters and the
    pipeline's newest changes (`stamp`, else read now)."""
    seconds = getattr(settings, "DAUR_LEAD_FLOW_CACHE_SECONDS", 0)
    key = _cache_key(user, filters, what, stamp or PipelineStamp()) if seconds else None
    if key is None:
        return compute()
    cached = cache.get(key)
    if cached is None:
        cached = compute()
        cache.set(key, cached, seconds)
    return cached


def _cache_key(user: User, filters: Any, what: str, stamp: PipelineStamp) -> str | None:  # noqa: ANN401
    if not user.is_authenticated or filters.age or filters.overdue:
        return None
    if filters.score_min is not None or filters.score_max is not None:
        return None
    scope = "all" if user.sees_everything or user.role == Role.MARKETER else f"user{user.pk}"
    narrowed = repr(replace(filters, cursor="", sort=""))
    digest = hashlib.sha256(f"{narrowed}|{stamp.read()}".encode()).hexdigest()
    return f"daur:lead{what}:v1:{scope}:{digest}"


def _stamp_sql() -> str:
    """The newest lead, lead change, lead history row and move: each the top of an index."""
    newest = [
        (Lead._meta.db_table, "id"),
        (Lead._meta.db_table, "updated_at"),  # leads migration 0005: lead_updated_idx
        (Lead.history.model._meta.db_table, "history_id"),
        (LeadStageChange._meta.db_table, "id"),
    ]
    return "SELECT " + ", ".join(
        f"(SELECT {column} FROM {table} ORDER BY {column} DESC LIMIT 1)"
        for table, column in newest
    )
