"""The demo business's calendar: days and minutes from its first day, events placed on it, and
their ISO 8601 text."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import numpy as np

# Three years of business ending on DAUR_DEMO_END (an ISO date): `daur demo` sets it to today, so
# the demo is live when shown (its last orders recent, its planned work and service desk due
# around now); unset, a fixed last day, which the tests' business keeps. The generator works in
# days from the first day, so a different end only moves the dates: the same seed gives the same
# business.
FIXED_END_DATE = dt.date(2026, 10, 31)
SPAN_DAYS = 1095
END_DATE = dt.date.fromisoformat(os.environ.get("DAUR_DEMO_END") or FIXED_END_DATE.isoformat())
START_DATE = END_DATE - dt.timedelta(days=SPAN_DAYS)
END_DAY = (END_DATE - START_DATE).days
MINUTES_PER_DAY = 1440
# The last minute on which anything may happen: no event is later than the business's end date.
END_MINUTE = END_DAY * MINUTES_PER_DAY + 23 * 60 + 59
# Events are written with the shop's own offset (Western Indonesia Time, no daylight saving).
UTC_OFFSET = "+07:00"

_EPOCH_MINUTE = np.datetime64(START_DATE.isoformat() + "T00:00", "m")
_EPOCH_DAY = np.datetime64(START_DATE.isoformat(), "D")


def datetime_strings(minutes: np.ndarray) -> list[str]:
    """ISO 8601 date-times with offset for minutes since the first day's midnight."""
    stamps = _EPOCH_MINUTE + np.asarray(minutes, dtype=np.int64).astype("timedelta64[m]")
    text = np.datetime_as_string(stamps, unit="s")
    return [t + UTC_OFFSET for t in text.tolist()]


def date_strings(days: np.ndarray) -> list[str]:
    """ISO 8601 dates for days since the first day (negative days are before it)."""
    stamps = _EPOCH_DAY + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")
    return np.datetime_as_string(stamps, unit="D").tolist()


def optional_datetime_strings(minutes: np.ndarray) -> list[str]:
    """Like datetime_strings, with an empty value where the minute is negative (missing)."""
    minutes = np.asarray(minutes, dtype=np.int64)
    text = datetime_strings(np.maximum(minutes, 0))
    missing = (minutes < 0).tolist()
    return ["" if gone else t for t, gone in zip(text, missing)]


def money_strings(minor_units: np.ndarray) -> list[str]:
    """Amounts kept in hundredths (cents, sen) written with two decimals and a dot."""
    values = np.asarray(minor_units, dtype=np.int64)
    whole, cents = np.divmod(values, 100)
    return [f"{w}.{c:02d}" for w, c in zip(whole.tolist(), cents.tolist())]


@dataclass
class Events:
    """Rows of one kind of event built in chunks: owner index, a kind code and a minute."""

    owner: list
    kind: list
    minute: list

    @classmethod
    def empty(cls) -> Events:
        return cls([], [], [])

    def add(self, owner: np.ndarray, kind: np.ndarray, minute: np.ndarray) -> None:
        self.owner.append(np.asarray(owner, dtype=np.int64))
        self.kind.append(np.asarray(kind, dtype=np.int64))
        self.minute.append(np.asarray(minute, dtype=np.int64))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.owner:
            return (np.zeros(0, np.int64),) * 3
        return (np.concatenate(self.owner), np.concatenate(self.kind), np.concatenate(self.minute))


def spread(
    rng, who: np.ndarray, per: np.ndarray, lo_day: np.ndarray, hi_day: np.ndarray, hours=(8, 21)
):
    """`per[i]` events for `who[i]` on days uniform in [lo_day[i], hi_day[i]] at shop hours."""
    per = np.where(hi_day >= lo_day, per, 0)
    owner = np.repeat(who, per)
    lo = np.repeat(lo_day, per)
    hi = np.repeat(hi_day, per)
    day = lo + np.floor(rng.random(len(owner)) * (hi - lo + 1)).astype(np.int64)
    minute = day * MINUTES_PER_DAY + rng.integers(hours[0] * 60, hours[1] * 60, len(owner))
    return owner, np.minimum(minute, END_MINUTE)

