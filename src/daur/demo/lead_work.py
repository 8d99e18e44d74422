"""How the demo's leads are worked and why they are won or lost.

A lead's chance of being won depends on its channel and on how it was worked, in a way the lead
score does not assume: the channel's base rate raised to a power that shrinks as meetings, calls
and e-mails pile up (saturating), cut when the first answer came late, times per-lead noise.
Won leads take the work profiles that make winning likely, lost leads those that make losing
likely (each picks among a few drawn profiles in proportion to that chance), so the history is
learnable without being a logistic model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from daur.demo.timeline import MINUTES_PER_DAY, Events, spread
from daur.vocabulary import ACQUISITION_CHANNELS, INTERACTION_KINDS, LEAD_LOST_REASONS

CHANNEL_BASE_RATE = {
    "referral": 0.6,
    "networking": 0.45,
    "exhibition": 0.4,
    "seminar": 0.35,
    "trade_show": 0.35,
    "free_trial": 0.35,
    "website": 0.3,
    "search_engine": 0.25,
    "event": 0.25,
    "web_catalogue": 0.2,
    "publicity": 0.2,
    "sampling": 0.2,
    "discount": 0.15,
    "email": 0.15,
    "coupon": 0.12,
    "telemarketing": 0.12,
    "merchandising": 0.1,
    "advertising": 0.1,
    "lottery": 0.05,
}
BASE_RATE = np.array([CHANNEL_BASE_RATE.get(c, 0.2) for c in ACQUISITION_CHANNELS])
CANDIDATES = 10  # work profiles drawn per closed lead, one kept
CALL, EMAIL, MEETING = (INTERACTION_KINDS.index(k) for k in ("call", "email", "meeting"))
# Why leads are lost: unanswered or barely worked ones mostly go quiet.
QUIET_REASONS = ("unresponsive", "no_decision", "poor_fit")
WORKED_REASONS = tuple(r for r in LEAD_LOST_REASONS if r != "unresponsive")


@dataclass(frozen=True)
class Work:
    """Per lead: calls, e-mails and meetings, and hours to the first answer (-1: none)."""

    calls: np.ndarray
    emails: np.ndarray
    meetings: np.ndarray
    response_hours: np.ndarray

    def take(self, rows: np.ndarray) -> Work:
        return Work(
            self.calls[rows], self.emails[rows], self.meetings[rows], self.response_hours[rows]
        )

    @property
    def total(self) -> np.ndarray:
        return self.calls + self.emails + self.meetings


def draw_work(rng: np.random.Generator, n: int) -> Work:
    """Work profiles as they come: some leads are chased hard, some barely; one in ten never
    answered at all."""
    effort = rng.gamma(2.0, 0.6, n)
    answered = rng.random(n) >= 0.1
    calls = np.where(answered, rng.poisson(1.6 * effort), 0)
    emails = np.where(answered, rng.poisson(2.0 * effort), 0)
    meetings = np.where(answered, rng.poisson(0.5 * effort), 0)
    answered &= (calls + emails + meetings) > 0
    hours = np.where(answered, np.round(rng.lognormal(3.0, 1.1, n), 1), -1.0)
    return Work(calls, emails, meetings, hours)


def win_chance(rng: np.random.Generator, channel: np.ndarray, work: Work) -> np.ndarray:
    engaged = 1.0 - np.exp(-(0.8 * work.meetings + 0.3 * work.calls + 0.1 * work.emails))
    speed = np.select(
        [work.response_hours < 0, work.response_hours <= 24, work.response_hours <= 72],
        [0.3, 1.0, 0.7],
        0.45,
    )
    noise = rng.lognormal(0.0, 0.35, len(channel))
    return np.clip(BASE_RATE[channel] ** (1.0 - 0.8 * engaged) * speed * noise, 0.01, 0.97)


def closed_work(rng: np.random.Generator, channel: np.ndarray, won: bool) -> Work:
    """One profile per closed lead, picked among CANDIDATES in proportion to the chance of its
    outcome."""
    n = len(channel)
    if n == 0:
        return draw_work(rng, 0)
    drawn = draw_work(rng, n * CANDIDATES)
    chance = win_chance(rng, np.repeat(channel, CANDIDATES), drawn).reshape(n, CANDIDATES)
    weight = chance if won else 1.0 - chance
    cumulative = np.cumsum(weight, axis=1)
    pick = (rng.random(n)[:, None] * cumulative[:, -1:] > cumulative).sum(axis=1)
    return drawn.take(np.arange(n) * CANDIDATES + np.minimum(pick, CANDIDATES - 1))


def lost_channels(rng: np.random.Generator, n: int, won_channel: np.ndarray) -> np.ndarray:
    """Channels of lost leads: as many per channel as its won leads and base rate imply
    (won / (won + lost) near the channel's base rate), so weak channels lose more often."""
    won = np.bincount(won_channel, minlength=len(ACQUISITION_CHANNELS)) + 0.5
    weight = won * (1.0 - BASE_RATE) / BASE_RATE
    return rng.choice(len(ACQUISITION_CHANNELS), size=n, p=weight / weight.sum())


def lost_reasons(rng: np.random.Generator, work: Work) -> list[str]:
    quiet = (work.response_hours < 0) | ((work.meetings == 0) & (work.total <= 2))
    pick_quiet = rng.integers(len(QUIET_REASONS), size=len(quiet))
    pick_worked = rng.integers(len(WORKED_REASONS), size=len(quiet))
    return [
        QUIET_REASONS[q] if is_quiet else WORKED_REASONS[w]
        for is_quiet, q, w in zip(quiet.tolist(), pick_quiet.tolist(), pick_worked.tolist())
    ]


def work_events(
    rng: np.random.Generator, work: Work, created: np.ndarray, end_minute: np.ndarray
) -> Events:
    """The interactions of each lead: the first answer (a call or an e-mail) after its
    response time, the rest spread up to `end_minute` (the conversion, the loss, or today)."""
    events = Events.empty()
    answered = np.flatnonzero(work.response_hours >= 0)
    first = created[answered] + (work.response_hours[answered] * 60).astype(np.int64)
    first = np.minimum(first, end_minute[answered])
    first_kind = np.where(work.calls[answered] > 0, CALL, EMAIL)
    events.add(answered, first_kind, first)
    start_day, end_day = first // MINUTES_PER_DAY, end_minute[answered] // MINUTES_PER_DAY
    for kind, counts in ((CALL, work.calls), (EMAIL, work.emails), (MEETING, work.meetings)):
        rest = counts[answered] - (first_kind == kind)
        owner, minute = spread(rng, answered, np.maximum(rest, 0), start_day, end_day)
        position = np.searchsorted(answered, owner)
        minute = np.clip(minute, first[position], end_minute[owner])
        events.add(owner, np.full(len(owner), kind), minute)
    return events
