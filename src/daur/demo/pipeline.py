"""The demo pipeline's life after the import: each lead's path through the stages (for time in
stage and conversion rates) and the demo reps' planned activities, some already overdue.

Due dates are set around today, whenever the demo is loaded: a pipeline whose every task fell
due at the demo business's end date would show nothing but overdue work.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from django.utils import timezone

from daur import vocabulary
from daur.demo.people import SALES_REPS
from daur.engagement.models import Interaction, interaction_natural_key
from daur.leads.models import Lead, LeadStageChange

PLANNED_KINDS = ("task", "call", "meeting", "email")
PLANNED_NOTES = {
    "task": "Send the proposal",
    "call": "Follow-up call",
    "meeting": "Meeting to present the offer",
    "email": "Send the price list",
}
OVERDUE_SHARE = 0.3
LOST_AFTER_DAYS = 45


def _path(stage: str, rng: np.random.Generator) -> list[str]:
    """The stages a lead went through to reach `stage`: the open ones in order, then won or
    lost (a lost lead drops out after one of the open stages)."""
    open_ = list(vocabulary.OPEN_LEAD_STAGES)
    if stage == "won":
        return [*open_, "won"]
    if stage == "lost":
        return [*open_[: int(rng.integers(1, len(open_) + 1))], "lost"]
    return open_[: open_.index(stage) + 1]


def stage_changes_build(leads: list[Lead], rng: np.random.Generator, end: datetime) -> list:
    changes = []
    for lead in leads:
        path = _path(lead.stage, rng)
        if len(path) < 2:
            continue
        if lead.stage == "won" and lead.converted_at:
            last = lead.converted_at
        elif lead.stage == "lost":
            last = min(lead.created_at + timedelta(days=LOST_AFTER_DAYS), end)
        else:
            last = end
        span = max((last - lead.created_at).total_seconds(), 3600.0)
        # Moves spread over the lead's life, each later than the one before.
        offsets = np.sort(rng.random(len(path) - 1)) * span
        for (frm, to), seconds in zip(zip(path, path[1:]), offsets.tolist()):
            changes.append(
                LeadStageChange(
                    lead=lead, from_stage=frm, to_stage=to, user_id=lead.owner_id,
                    lost_reason=lead.lost_reason if to == "lost" else "",
                    changed_at=lead.created_at + timedelta(seconds=seconds),
                )
            )
    return changes


def planned_activities_build(
    leads: list[Lead], rng: np.random.Generator, now: datetime
) -> list[Interaction]:
    """One or two planned activities on each open lead of a demo rep."""
    planned = []
    for lead in leads:
        for n in range(int(rng.integers(1, 3))):
            kind = PLANNED_KINDS[int(rng.integers(len(PLANNED_KINDS)))]
            overdue = rng.random() < OVERDUE_SHARE
            days = -int(rng.integers(1, 11)) if overdue else int(rng.integers(1, 22))
            due = (now + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
            noted = min(now, due) - timedelta(days=int(rng.integers(1, 6)), seconds=n)
            planned.append(
                Interaction(
                    lead=lead, kind=kind, occurred_at=noted, user_id=lead.owner_id,
                    note=PLANNED_NOTES[kind], due_at=due, done=False,
                    natural_key=interaction_natural_key(
                        customer_id=None, lead_id=lead.external_id, kind=kind,
                        occurred_at_utc=str(noted.astimezone(UTC).replace(tzinfo=None)),
                    ),
                )
            )
    return planned


def demo_pipeline_fill(*, seed: int, end: datetime, now: datetime | None = None) -> int:
    """Write the stage histories and planned activities; the number of activities planned.

    Loading the demo again plans afresh (due around the new today) and keeps the histories."""
    now = now or timezone.now()
    leads = list(Lead.objects.select_related("owner").order_by("pk"))
    told = set(LeadStageChange.objects.values_list("lead_id", flat=True).distinct())
    untold = [lead for lead in leads if lead.pk not in told]
    histories = stage_changes_build(untold, np.random.default_rng([seed, 13, 1]), end)
    LeadStageChange.objects.bulk_create(histories, batch_size=1000)
    Interaction.objects.filter(
        lead__isnull=False, done=False, note__in=PLANNED_NOTES.values()
    ).delete()
    open_of_reps = [
        lead for lead in leads
        if lead.stage in vocabulary.OPEN_LEAD_STAGES and lead.owner_id is not None
        and lead.owner.username in SALES_REPS
    ]
    planned = planned_activities_build(open_of_reps, np.random.default_rng([seed, 13, 2]), now)
    Interaction.objects.bulk_create(planned, batch_size=1000)
    return len(planned)
