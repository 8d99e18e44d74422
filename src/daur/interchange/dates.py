"""Parsers for dates and date-times, and the range of dates an import accepts (the value parsers'
conventions: see values.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from operator import attrgetter, methodcaller
from typing import Any

from daur.interchange.values import Parser, Required, _shown, _with_fast

# The dates an import accepts (docs/interchange.md). Nothing before 1900: an older date is a typo
# or a placeholder (0001-01-01). An event (an order, a visit, an answer) at most a day after the
# import, for clocks and zones: a later one has not happened, and would stretch every period,
# KPI window and recency to it. A planned day (a launch, a campaign's end) up to ten years ahead.
EARLIEST_DAY = date(1900, 1, 1)
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
EVENT_GRACE = timedelta(days=1)
PLANNED_AHEAD = timedelta(days=3653)


def parse_datetime(raw: str, zone: tzinfo) -> datetime:
    """An ISO 8601 date or date-time; a bare date or naive time is in `zone`. The one parser."""
    value = raw.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{_shown(value)} is not an ISO 8601 date or date-time (e.g. 2025-03-04 or "
            "2025-03-04T10:15:00+07:00)"
        ) from None
    # A bare date parses as midnight; it and a time without offset are where the business is.
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it
        raise ValueError(f"{_shown(value)} is out of the range of dates") from None


def _event_checked(moment: datetime, raw: str, latest: datetime) -> datetime:
    if moment < EARLIEST_MOMENT:
        raise ValueError(f"{_shown(raw.strip())} is before {EARLIEST_DAY.isoformat()}")
    if moment > latest:
        raise ValueError(
            f"{_shown(raw.strip())} is in the future (after {latest:%Y-%m-%d %H:%M} UTC): "
            "an event is imported once it has happened"
        )
    return moment


def moment(
    *,
    zone: tzinfo,
    now: datetime,
    required: bool = False,
    store: Callable[[datetime], Any] = lambda d: d,
) -> Parser:
    """A date-time column: when something happened, from 1900 to a day after `now`. `store` turns
    the UTC datetime into what the database driver takes."""
    latest = now + EVENT_GRACE

    def parse(raw: str) -> Any:
        if not raw.strip():
            if required:
                raise Required()
            return None
        return store(_event_checked(parse_datetime(raw, zone), raw, latest))

    def fast(column: Sequence[str]) -> list[Any]:
        stripped = list(map(str.strip, column))
        if "" not in stripped:  # every value given: parse and convert in C-level passes
            parsed = list(map(fromisoformat, stripped))
            if None not in set(map(tzinfo_of, parsed)):
                return stored(list(map(to_utc, parsed)))
        values = []
        for raw in column:
            value = raw.strip()
            if not value:
                if required:
                    raise ValueError
                values.append(None)
                continue
            parsed = fromisoformat(value)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=zone)
            values.append(parsed.astimezone(UTC))
        return stored(values)

    def stored(moments: list[datetime | None]) -> list[Any]:
        if None not in moments:
            if moments and (min(moments) < EARLIEST_MOMENT or max(moments) > latest):
                raise ValueError  # one by one, to say which
            return list(map(store, moments))
        given = [m for m in moments if m is not None]
        if given and (min(given) < EARLIEST_MOMENT or max(given) > latest):
            raise ValueError
        return [None if m is None else store(m) for m in moments]

    fromisoformat = datetime.fromisoformat
    tzinfo_of = attrgetter("tzinfo")
    to_utc = methodcaller("astimezone", UTC)
    return _with_fast(parse, fast)


def day(
    *, today: date, required: bool = False, store: Callable[[date], Any] = lambda d: d
) -> Parser:
    """A calendar day, from 1900 to ten years after `today` (a planned launch or campaign)."""
    latest = today + PLANNED_AHEAD

    def parse(raw: str) -> Any:
        value = raw.strip()
        if not value:
            if required:
                raise Required()
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{_shown(value)} is not an ISO 8601 date (e.g. 2025-03-04)") from None
        if not EARLIEST_DAY <= parsed <= latest:
            raise ValueError(
                f"{_shown(value)} is not between {EARLIEST_DAY.isoformat()} and "
                f"{latest.isoformat()}"
            )
        return store(parsed)

    def fast(column: Sequence[str]) -> list[Any]:
        if required and any(not raw.strip() for raw in column):
            raise ValueError
        days = [date.fromisoformat(raw.strip()) if raw.strip() else None for raw in column]
        given = [d for d in days if d is not None]
        if given and (min(given) < EARLIEST_DAY or max(given) > latest):
            raise ValueError
        return [None if d is None else store(d) for d in days]

    return _with_fast(parse, fast)
