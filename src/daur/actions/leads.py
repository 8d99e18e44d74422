"""Writes of the lead pipeline: create, assign, move between stages (SPEC §6 "Leads")."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from daur import vocabulary
from daur.insights.lead_follow import lead_scores_follow
from daur.insights.realtime import leads_rescore_on_commit
from daur.leads.assignment import Assignment, WinProbabilities, assignments_plan
from daur.leads.assignment_reasons import reason_store
from daur.leads.models import Lead, LeadStageChange


class LeadStageConflict(Exception):
    """Someone moved the lead first: it is no longer in the stage the mover saw."""

    def __init__(self, current_stage: str) -> None:
        super().__init__(f"the lead is now in {current_stage}")
        self.current_stage = current_stage


@transaction.atomic
def lead_create(*, name: str, source: str, user=None, owner=None, **fields) -> Lead:  # noqa: ANN001
    """A new lead; without an owner it is assigned at once (DAUR_LEAD_ASSIGNMENT)."""
    fields.setdefault("external_id", f"L-{uuid.uuid4().hex[:12].upper()}")
    lead = Lead(name=name, source=source, owner=owner, **fields)
    if owner is not None:
        lead.assigned_at = timezone.now()
    lead.full_clean()
    lead.save()
    if owner is None:
        leads_assign(lead_ids=[lead.pk])
        lead.refresh_from_db()
    return lead


@transaction.atomic
def leads_assign(
    *,
    lead_ids: Iterable[int] | None = None,
    mode: str | None = None,
    probabilities: WinProbabilities | None = None,
) -> list[Assignment]:
    """Give an owner to the open leads without one (those of `lead_ids`, else all of them).

    The reps are locked while the batch is planned, so two batches at once take turns instead
    of both counting the same loads.
    """
    leads = Lead.objects.filter(owner__isnull=True, stage__in=vocabulary.OPEN_LEAD_STAGES)
    if lead_ids is not None:
        leads = leads.filter(pk__in=list(lead_ids))
    batch = list(leads.select_for_update().order_by("pk"))
    if not batch:
        return []
    plan = assignments_plan(batch, mode=mode, probabilities=probabilities)
    now = timezone.now()
    decided = {a.lead_id: a for a in plan}
    for lead in batch:
        a = decided[lead.pk]
        lead.owner_id, lead.assignment_reason = a.owner_id, a.reason
        lead.assigned_at = now if a.owner_id else None
        lead.updated_at = now  # bulk_update skips auto_now; the lead board's flow cache keys on it
    Lead.objects.bulk_update(
        batch, ["owner", "assignment_reason", "assigned_at", "updated_at"], batch_size=500
    )
    lead_scores_follow(decided)  # the scores carry their lead's owner
    return plan


@transaction.atomic
def lead_assign(*, lead: Lead, owner, user) -> Lead:  # noqa: ANN001 - Users
    """Hand a lead to a rep by hand (a manager's decision, recorded as the reason)."""
    who = user.get_full_name() or user.username
    Lead.objects.filter(pk=lead.pk).update(
        owner=owner,
        assigned_at=timezone.now(),
        assignment_reason=reason_store("by_hand", user=who),
        updated_at=timezone.now(),
    )
    lead_scores_follow([lead.pk])  # the score carries its lead's owner
    lead.refresh_from_db()
    return lead


@transaction.atomic
def lead_stage_change(
    *,
    lead: Lead,
    to_stage: str,
    expected_stage: str,
    user,  # noqa: ANN001 - the User moving it
    lost_reason: str = "",
    now: datetime | None = None,
) -> LeadStageChange:
    """Move a lead to another stage, if it is still where the mover saw it.

    The check and the move are one UPDATE ... WHERE stage = expected_stage: of two people
    dragging the same card at once, one moves it and the other gets LeadStageConflict.
    Moving to `lost` needs a lost reason; leaving `lost` clears it. A converted lead stays won.
    """
    now = now or timezone.now()
    if to_stage not in vocabulary.LEAD_STAGES:
        raise ValidationError(_("Unknown stage."), code="stage")
    if to_stage == expected_stage:
        raise ValidationError(_("The lead is already in this stage."), code="same_stage")
    if to_stage == "lost" and lost_reason not in vocabulary.LEAD_LOST_REASONS:
        raise ValidationError(_("Say why the lead was lost."), code="lost_reason")
    if lead.converted_customer_id is not None:
        raise ValidationError(
            _("A converted lead stays won: its customer carries on from here."), code="converted"
        )
    reason = lost_reason if to_stage == "lost" else ""
    moved = Lead.objects.filter(pk=lead.pk, stage=expected_stage).update(
        stage=to_stage, lost_reason=reason, updated_at=now
    )
    if not moved:
        current = Lead.objects.filter(pk=lead.pk).values_list("stage", flat=True).first()
        raise LeadStageConflict(current or expected_stage)
    lead.stage, lead.lost_reason = to_stage, reason
    # A lead that closes leaves the open leads' scores; one reopened is scored again.
    leads_rescore_on_commit(lead_ids=[lead.pk])
    return LeadStageChange.objects.create(
        lead=lead,
        from_stage=expected_stage,
        to_stage=to_stage,
        lost_reason=reason,
        changed_at=now,
        user=user,
    )
