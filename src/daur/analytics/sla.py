"""Service-level clocks in business time: how much working time lies between two moments, when a
target of working time runs out, and the state of a ticket's clock (running, paused, soon,
breached, met).

A calendar is working days and hours in a time zone with holidays, or plain calendar hours
(24 x 7). Day windows are built in local time and turned into instants per day, so a working day
across a daylight-saving change is still its hours on the wall clock (09:00-17:00 is 8 hours on
the day Europe/Rome moves its clocks). Pauses (a ticket waiting on its customer) are intervals
taken out of the working time; an open pause stops the clock, so no due moment exists while it
lasts. Moments are aware datetimes; results are in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far ahead a due moment is searched: a calendar with no working day in ten years has none.
MAX_DAYS = 3660
# A clock with this share of its target (or less) left "breaches soon".
WARN_FRACTION = 0.25

Interval = tuple[datetime, datetime]
Pause = tuple[datetime, datetime | None]  # an open pause has no end yet


@dataclass(frozen=True)
class Calendar:
    """When the clock runs: working days (0 = Monday) and hours in a zone, less holidays; or every
    hour of every day when `business_hours` is False."""

    time_zone: str = "UTC"
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    day_start: time = time(9)
    day_end: time = time(17)
    holidays: frozenset[date] = field(default_factory=frozenset)
    business_hours: bool = True

    def __post_init__(self) -> None:
        ZoneInfo(self.time_zone)  # an unknown zone is refused here, not in the middle of a sum
        if self.business_hours:
            if not self.workdays or not self.workdays <= set(range(7)):
                raise ValueError("a business calendar works on at least one day, 0 (Mon) - 6")
            if self.day_start >= self.day_end:
                raise ValueError("a working day starts before it ends")


CALENDAR_HOURS = Calendar(business_hours=False)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("SLA moments are aware datetimes")
    return moment.astimezone(UTC)


def _windows(calendar: Calendar, start: datetime, days: int) -> Iterable[Interval]:
    """The working windows from `start`'s local day on, in UTC, at most `days` days ahead."""
    if not calendar.business_hours:
        yield start, start + timedelta(days=days)
        return
    zone = ZoneInfo(calendar.time_zone)
    day = start.astimezone(zone).date()
    for _ in range(days):
        if day.weekday() in calendar.workdays and day not in calendar.holidays:
            opens = datetime.combine(day, calendar.day_start, zone).astimezone(UTC)
            closes = datetime.combine(day, calendar.day_end, zone).astimezone(UTC)
            yield opens, closes
        day += timedelta(days=1)


def _minus(windows: Iterable[Interval], pauses: Sequence[Pause]) -> Iterable[Interval]:
    """The windows with the pauses cut out (an open pause runs for ever)."""
    cuts = sorted((_aware(a), _aware(b) if b is not None else datetime.max.replace(tzinfo=UTC))
                  for a, b in pauses)
    for low, high in windows:
        pieces = [(low, high)]
        for cut_low, cut_high in cuts:
            kept = []
            for a, b in pieces:
                if cut_high <= a or cut_low >= b:
                    kept.append((a, b))
                    continue
                if a < cut_low:
                    kept.append((a, cut_low))
                if cut_high < b:
                    kept.append((cut_high, b))
            pieces = kept
        yield from pieces


def working_seconds(
    calendar: Calendar, start: datetime, end: datetime, pauses: Sequence[Pause] = ()
) -> float:
    """Working seconds between two moments, pauses taken out (0 when end <= start)."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        return 0.0
    days = (end - start).days + 2
    total = 0.0
    for low, high in _minus(_windows(calendar, start, days), pauses):
        low, high = max(low, start), min(high, end)
        if high > low:
            total += (high - low).total_seconds()
    return total


def moment_after(
    calendar: Calendar, start: datetime, seconds: float, pauses: Sequence[Pause] = ()
) -> datetime | None:
    """The moment `seconds` of working time after `start`, pauses taken out; None when the clock
    never gets there (an open pause, or no working time within MAX_DAYS)."""
    start = _aware(start)
    left = float(seconds)
    if left <= 0:
        return start
    for low, high in _minus(_windows(calendar, start, MAX_DAYS), pauses):
        low = max(low, start)
        if high <= low:
            continue
        span = (high - low).total_seconds()
        if span >= left:
            return low + timedelta(seconds=left)
        left -= span
    return None


@dataclass(frozen=True)
class ClockState:
    """One SLA clock of a ticket at a moment."""

    state: str  # running | soon | paused | breached | met
    target_seconds: float
    elapsed_seconds: float
    due_at: datetime | None  # None while paused or once stopped
    warn_at: datetime | None

    @property
    def remaining_seconds(self) -> float:
        return self.target_seconds - self.elapsed_seconds


CLOCK_STATES = ("running", "soon", "paused", "breached", "met")


def clock_state(
    calendar: Calendar,
    *,
    started_at: datetime,
    target_seconds: float,
    now: datetime,
    stopped_at: datetime | None = None,
    pauses: Sequence[Pause] = (),
    warn_fraction: float = WARN_FRACTION,
) -> ClockState:
    """A clock that started at `started_at` with a target of working seconds.

    Stopped (responded, resolved): met or breached by the working time it took. Running: breached
    past its target, else paused while a pause is open, else "soon" within `warn_fraction` of the
    target left. A clock is paused only while a pause is open at `now`: a pause that has ended
    never shows.
    """
    if target_seconds <= 0:
        raise ValueError("an SLA target is a positive number of seconds")
    until = stopped_at if stopped_at is not None else now
    elapsed = working_seconds(calendar, started_at, until, pauses)
    if stopped_at is not None:
        state = "met" if elapsed <= target_seconds else "breached"
        return ClockState(state, target_seconds, elapsed, None, None)
    due = moment_after(calendar, started_at, target_seconds, pauses)
    warn = moment_after(calendar, started_at, target_seconds * (1 - warn_fraction), pauses)
    now_utc = _aware(now)
    paused = any(
        _aware(a) <= now_utc and (b is None or now_utc < _aware(b)) for a, b in pauses
    )
    if elapsed > target_seconds:
        state = "breached"
    elif paused:
        state = "paused"
    elif target_seconds - elapsed <= warn_fraction * target_seconds:
        state = "soon"
    else:
        state = "running"
    return ClockState(state, target_seconds, elapsed, due, warn)
