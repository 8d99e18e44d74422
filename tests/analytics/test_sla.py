"""Business-time arithmetic of the SLA clocks: working windows, weekends, holidays, zones across
daylight-saving changes, pauses, and the state of a clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from daur.analytics.sla import (
    CALENDAR_HOURS,
    Calendar,
    clock_state,
    moment_after,
    working_seconds,
)

HOUR = 3600.0
JAKARTA = ZoneInfo("Asia/Jakarta")  # UTC+7, no daylight saving
ROME = ZoneInfo("Europe/Rome")
OFFICE = Calendar(time_zone="Asia/Jakarta")  # Mon-Fri 09-17


def at(y, m, d, h=0, minute=0, zone=JAKARTA) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=zone)


def test_a_working_day_counts_its_hours_only():
    # Monday 2025-06-02, 08:00 to 18:00 local: 09-17 counts.
    assert working_seconds(OFFICE, at(2025, 6, 2, 8), at(2025, 6, 2, 18)) == 8 * HOUR


def test_a_weekend_does_not_count():
    # Friday 16:00 to Monday 10:00: one hour on Friday, one on Monday.
    assert working_seconds(OFFICE, at(2025, 6, 6, 16), at(2025, 6, 9, 10)) == 2 * HOUR


def test_a_holiday_does_not_count():
    calendar = Calendar(time_zone="Asia/Jakarta", holidays=frozenset({date(2025, 6, 3)}))
    # Monday 09:00 to Wednesday 09:00: Monday only (Tuesday is a holiday).
    assert working_seconds(calendar, at(2025, 6, 2, 9), at(2025, 6, 4, 9)) == 8 * HOUR


def test_end_before_start_is_nothing():
    assert working_seconds(OFFICE, at(2025, 6, 2, 12), at(2025, 6, 2, 10)) == 0.0


def test_a_target_runs_over_the_night_and_the_weekend():
    # 4 working hours from Friday 15:00: 2 on Friday, 2 on Monday -> Monday 11:00 local.
    due = moment_after(OFFICE, at(2025, 6, 6, 15), 4 * HOUR)
    assert due == at(2025, 6, 9, 11).astimezone(UTC)


def test_a_target_that_starts_outside_hours_starts_at_opening():
    due = moment_after(OFFICE, at(2025, 6, 7, 20), HOUR)  # Saturday evening
    assert due == at(2025, 6, 9, 10).astimezone(UTC)


def test_moment_after_and_working_seconds_agree():
    start = at(2025, 6, 4, 13, 17)
    for hours in (0.5, 3, 8, 17, 40, 100):
        due = moment_after(OFFICE, start, hours * HOUR)
        assert working_seconds(OFFICE, start, due) == pytest.approx(hours * HOUR)


def test_a_working_day_across_a_daylight_saving_change_keeps_its_wall_clock_hours():
    # Europe/Rome moves to summer time on Sunday 2025-03-30; with Sunday a working day the
    # 09-17 window is still 8 hours, and the day's instants shift by an hour in UTC.
    calendar = Calendar(time_zone="Europe/Rome", workdays=frozenset(range(7)))
    saturday = working_seconds(calendar, at(2025, 3, 29, zone=ROME), at(2025, 3, 30, zone=ROME))
    sunday = working_seconds(calendar, at(2025, 3, 30, zone=ROME), at(2025, 3, 31, zone=ROME))
    assert saturday == sunday == 8 * HOUR
    due = moment_after(calendar, at(2025, 3, 29, 16, zone=ROME), 2 * HOUR)
    assert due == datetime(2025, 3, 30, 10, tzinfo=ROME).astimezone(UTC)
    assert due == datetime(2025, 3, 30, 8, tzinfo=UTC)  # 10:00 CEST, not 09:00 UTC


def test_calendar_hours_count_every_hour_even_across_daylight_saving():
    # 2025-03-30 in Rome is 23 real hours long from midnight to midnight: calendar hours are
    # real hours.
    start, end = at(2025, 3, 30, zone=ROME), at(2025, 3, 31, zone=ROME)
    assert working_seconds(CALENDAR_HOURS, start, end) == 23 * HOUR
    assert moment_after(CALENDAR_HOURS, start, 23 * HOUR) == end.astimezone(UTC)


def test_pauses_are_taken_out():
    # Monday 09-17 with a pause 10:00-12:30: 5.5 hours.
    pauses = [(at(2025, 6, 2, 10), at(2025, 6, 2, 12, 30))]
    assert working_seconds(OFFICE, at(2025, 6, 2, 9), at(2025, 6, 2, 17), pauses) == 5.5 * HOUR
    # and push the due moment by as much: 2 working hours from 09:00 -> 13:30.
    assert moment_after(OFFICE, at(2025, 6, 2, 9), 2 * HOUR, pauses) == at(
        2025, 6, 2, 13, 30
    ).astimezone(UTC)


def test_overlapping_pauses_count_once():
    pauses = [(at(2025, 6, 2, 10), at(2025, 6, 2, 12)), (at(2025, 6, 2, 11), at(2025, 6, 2, 13))]
    assert working_seconds(OFFICE, at(2025, 6, 2, 9), at(2025, 6, 2, 17), pauses) == 5 * HOUR


def test_an_open_pause_stops_the_clock():
    pauses = [(at(2025, 6, 2, 10), None)]
    assert working_seconds(OFFICE, at(2025, 6, 2, 9), at(2025, 6, 5, 9), pauses) == HOUR
    assert moment_after(OFFICE, at(2025, 6, 2, 9), 2 * HOUR, pauses) is None


def test_a_calendar_without_working_time_is_refused():
    with pytest.raises(ValueError, match="at least one day"):
        Calendar(workdays=frozenset())
    with pytest.raises(ValueError, match="starts before it ends"):
        Calendar(day_start=time(17), day_end=time(9))
    with pytest.raises(Exception):  # noqa: B017 - zoneinfo's own error
        Calendar(time_zone="Mars/Olympus")


def test_naive_moments_are_refused():
    with pytest.raises(ValueError, match="aware"):
        working_seconds(OFFICE, datetime(2025, 6, 2, 9), at(2025, 6, 2, 10))


def test_a_holiday_every_day_has_no_due_moment():
    start = date(2025, 6, 2)
    holidays = frozenset(start + timedelta(days=i) for i in range(3700))
    calendar = Calendar(workdays=frozenset({0}), holidays=holidays)
    assert moment_after(calendar, at(2025, 6, 2, 9), HOUR) is None


class TestClockState:
    start = at(2025, 6, 2, 9)  # Monday 09:00, an 8-working-hour target

    def state(self, now, **kw):
        return clock_state(OFFICE, started_at=self.start, target_seconds=8 * HOUR, now=now, **kw)

    def test_running_then_soon_then_breached(self):
        assert self.state(at(2025, 6, 2, 12)).state == "running"
        soon = self.state(at(2025, 6, 2, 15))  # 2 of 8 hours left: 25 %
        assert soon.state == "soon" and soon.remaining_seconds == 2 * HOUR
        assert soon.warn_at == at(2025, 6, 2, 15).astimezone(UTC)
        assert soon.due_at == at(2025, 6, 2, 17).astimezone(UTC)
        assert self.state(at(2025, 6, 3, 9, 1)).state == "breached"

    def test_stopped_clocks_are_met_or_breached(self):
        met = self.state(at(2025, 6, 9), stopped_at=at(2025, 6, 3, 9))
        assert met.state == "met" and met.due_at is None
        late = self.state(at(2025, 6, 9), stopped_at=at(2025, 6, 3, 10))
        assert late.state == "breached" and late.elapsed_seconds == 9 * HOUR

    def test_paused_only_while_the_pause_is_open(self):
        pauses = [(at(2025, 6, 2, 10), None)]
        paused = self.state(at(2025, 6, 4, 12), pauses=pauses)
        assert paused.state == "paused" and paused.due_at is None
        ended = [(at(2025, 6, 2, 10), at(2025, 6, 3, 10))]
        running = self.state(at(2025, 6, 3, 11), pauses=ended)
        assert running.state == "running"
        assert running.due_at == at(2025, 6, 3, 17).astimezone(UTC)

    def test_a_breach_shows_even_while_paused(self):
        pauses = [(at(2025, 6, 3, 12), None)]
        assert self.state(at(2025, 6, 3, 13), pauses=pauses).state == "breached"

    def test_a_target_must_be_positive(self):
        with pytest.raises(ValueError, match="positive"):
            clock_state(OFFICE, started_at=self.start, target_seconds=0, now=self.start)
