"""Leads from every prospecting channel, won ones converted into customers, and campaign links."""

from __future__ import annotations

import numpy as np

from daur.demo.catalog import Campaigns
from daur.demo.lead_work import (
    Work,
    closed_work,
    draw_work,
    lost_channels,
    lost_reasons,
    work_events,
)
from daur.demo.names import ID_FIRST, ID_LAST, ORG_WORDS
from daur.demo.orders import Orders
from daur.demo.people import PRIMARY, SALES_REPS, Population
from daur.demo.timeline import END_DAY, END_MINUTE, MINUTES_PER_DAY, Events
from daur.vocabulary import ACQUISITION_CHANNELS, B2B_CHANNELS

OPEN_STAGES = (("new", 30), ("contacted", 60), ("qualified", 120), ("proposal", 150))


def assign_campaigns(rng: np.random.Generator, pop: Population, campaigns: Campaigns) -> None:
    """Customers acquired through a channel while one of its campaigns ran point to it."""
    created_day = pop.created_minute // MINUTES_PER_DAY
    campaign = np.full(pop.size, -1)
    for index, (channel, purpose) in enumerate(zip(campaigns.channel, campaigns.purpose)):
        if purpose != "acquisition":
            continue
        hit = (
            (pop.channel == ACQUISITION_CHANNELS.index(channel))
            & (created_day >= campaigns.start_day[index])
            & (created_day <= campaigns.end_day[index] + 30)
            & (rng.random(pop.size) < 0.7)
        )
        campaign[hit] = index
    pop.campaign = campaign


def _campaign_for(rng, channel: np.ndarray, day: np.ndarray, campaigns: Campaigns) -> np.ndarray:
    campaign = np.full(len(channel), -1)
    for index, (name, purpose) in enumerate(zip(campaigns.channel, campaigns.purpose)):
        if purpose != "acquisition":
            continue
        hit = (
            (channel == ACQUISITION_CHANNELS.index(name))
            & (day >= campaigns.start_day[index])
            & (day <= campaigns.end_day[index] + 30)
            & (rng.random(len(channel)) < 0.6)
        )
        campaign[hit] = index
    return campaign


def build_leads(
    rng: np.random.Generator, pop: Population, orders: Orders, campaigns: Campaigns
) -> tuple[dict, Events]:
    n = pop.size
    kind = np.array(PRIMARY)[pop.primary]
    total = max(len(ACQUISITION_CHANNELS) * 2, int(round(0.3 * n)))

    # Won leads are customers we know the pipeline of: most companies, some consumers.
    candidates = (orders.order_count > 0) & (pop.referred_by < 0) & (kind != "internal")
    chance = np.where(pop.is_org, 0.8, 0.12)
    won = np.flatnonzero(candidates & (rng.random(n) < chance))
    won = won[: int(total * 0.25)]
    converted_at = pop.created_minute[won]
    lead_created = np.maximum(0, converted_at - rng.integers(7, 61, len(won)) * MINUTES_PER_DAY)

    rest = total - len(won)
    stage_names = [s for s, _ in OPEN_STAGES] + ["lost"]
    stage = rng.choice(len(stage_names), rest, p=[0.2, 0.2, 0.15, 0.12, 0.33])
    stage[: len(stage_names)] = np.arange(len(stage_names))
    channel = rng.integers(len(ACQUISITION_CHANNELS), size=rest)
    lost = stage == len(OPEN_STAGES)
    lost[: len(ACQUISITION_CHANNELS)] = False  # every channel keeps a lead
    channel[lost] = lost_channels(rng, int(lost.sum()), pop.channel[won])
    channel[: len(ACQUISITION_CHANNELS)] = np.arange(len(ACQUISITION_CHANNELS))
    lost = stage == len(OPEN_STAGES)
    age_limit = np.array([days for _, days in OPEN_STAGES] + [END_DAY - 20])[stage]
    created_day = np.where(
        stage == len(OPEN_STAGES),
        rng.integers(0, END_DAY - 20, rest),
        END_DAY - np.floor(rng.random(rest) * age_limit).astype(int),
    )
    created = created_day * MINUTES_PER_DAY + rng.integers(8 * 60, 20 * 60, rest)
    campaign = _campaign_for(rng, channel, created_day, campaigns)

    first = rng.integers(len(ID_FIRST), size=rest)
    last = rng.integers(len(ID_LAST), size=rest)
    word_a = rng.integers(len(ORG_WORDS), size=rest)
    word_b = rng.integers(len(ORG_WORDS), size=rest)
    rep = rng.integers(len(SALES_REPS), size=total)
    unassigned = rng.random(rest) < 0.5
    # How each lead was worked: won and lost ones as their outcome makes likely, open ones
    # as they come (none yet on a new lead).
    won_work = closed_work(rng, pop.channel[won], won=True)
    rest_work = draw_work(rng, rest)
    fresh = stage == 0
    rest_work = Work(
        *(np.where(fresh, 0, a) for a in (rest_work.calls, rest_work.emails, rest_work.meetings)),
        np.where(fresh, -1.0, rest_work.response_hours),
    )
    lost_work = closed_work(rng, channel[lost], won=False)
    for name in ("calls", "emails", "meetings", "response_hours"):
        getattr(rest_work, name)[lost] = getattr(lost_work, name)
    reason = np.empty(rest, dtype=object)
    reason[lost] = lost_reasons(rng, lost_work)
    lost_days = rng.integers(10, 61, rest)
    contact_first = rng.integers(len(ID_FIRST), size=len(won))
    contact_last = rng.integers(len(ID_LAST), size=len(won))

    rows = []  # (created minute, fields...) sorted by creation for the numbering
    for j, c in enumerate(won.tolist()):
        org = bool(pop.is_org[c])
        name = f"{ID_FIRST[contact_first[j]]} {ID_LAST[contact_last[j]]}" if org else pop.name[c]
        owner = pop.owner[c] or SALES_REPS[rep[j]]
        value = rng.integers(20, 500) * 1_000_000 if org else rng.integers(1, 30) * 1_000_000
        rows.append(
            (
                int(lead_created[j]),
                name,
                ACQUISITION_CHANNELS[pop.channel[c]],
                int(pop.campaign[c]),
                "won",
                owner,
                pop.email[c],
                pop.name[c] if org else "",
                c,
                int(converted_at[j]),
                int(value),
                "",
                j,
            )
        )
    b2b = set(B2B_CHANNELS) - {"referral"}
    for j in range(rest):
        source = ACQUISITION_CHANNELS[channel[j]]
        first_name, last_name = ID_FIRST[first[j]], ID_LAST[last[j]]
        company = f"PT {ORG_WORDS[word_a[j]]} {ORG_WORDS[word_b[j]]}" if source in b2b else ""
        stage_name = stage_names[stage[j]]
        owner = "" if stage_name == "new" and unassigned[j] else SALES_REPS[rep[len(won) + j]]
        value = (rng.integers(20, 500) if company else rng.integers(1, 30)) * 1_000_000
        email = f"{first_name}.{last_name}.lead{j}@gmail.com".lower()
        rows.append(
            (
                int(created[j]),
                f"{first_name} {last_name}",
                source,
                int(campaign[j]),
                stage_name,
                owner,
                email,
                company,
                -1,
                -1,
                int(value),
                reason[j] if stage_name == "lost" else "",
                len(won) + j,
            )
        )
    rows.sort(key=lambda r: (r[0], r[1], r[6]))

    # Sales activity: the work of each lead, up to its conversion, its loss or today.
    profile = np.array([r[12] for r in rows], dtype=np.int64)
    every = Work(
        *(
            np.concatenate((getattr(won_work, n), getattr(rest_work, n)))[profile]
            for n in ("calls", "emails", "meetings", "response_hours")
        )
    )
    created_all = np.array([r[0] for r in rows], dtype=np.int64)
    stage_all = np.array([r[4] for r in rows])
    closed = np.array([r[9] for r in rows], dtype=np.int64)
    lost_end = created_all + np.r_[np.zeros(len(won), np.int64), lost_days][profile] * (
        MINUTES_PER_DAY
    )
    end_minute = np.where(
        stage_all == "won", closed, np.where(stage_all == "lost", lost_end, END_MINUTE)
    )
    events: Events = work_events(rng, every, created_all, np.minimum(end_minute, END_MINUTE))
    return {"rows": rows}, events
