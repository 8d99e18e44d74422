"""Periods of whole days in the business's time zone, and raw aggregate queries over them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the business's time zone (DAUR_TIME_ZONE)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def local_day(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


@dataclass(frozen=True)
class Period:
    """The days date_from..date_to, both included; as moments, the half-open [start, end)."""

    date_from: date
    date_to: date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def start(self) -> datetime:
        return day_start(self.date_from)

    @property
    def end(self) -> datetime:
        return day_start(self.date_to + timedelta(days=1))

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(
            date_from=self.date_from - timedelta(days=self.days),
            date_to=self.date_from - timedelta(days=1),
        )


def raw_rows(sql: str, params: Sequence[object]) -> list[tuple]:
    """Rows of a raw query; dates and aware datetimes are adapted for the database in use."""
    ops = connection.ops
    adapted = [
        ops.adapt_datetimefield_value(p)
        if isinstance(p, datetime)
        else ops.adapt_datefield_value(p)
        if isinstance(p, date)
        else p
        for p in params
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, adapted)
        return cursor.fetchall()
