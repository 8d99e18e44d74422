"""Activities (SPEC §6): a call, e-mail, meeting, note or task logged or planned from a
customer's or a lead's page, and marked done later. Each re-scores the customer it touched."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from daur import vocabulary
from daur.customers.models import Customer
from daur.engagement.models import Interaction
from daur.engagement.services import interaction_record
from daur.insights.realtime import customers_rescore_on_commit, leads_rescore_on_commit
from daur.leads.models import Lead

NOTE_LENGTH = 10_000


def lead_activity_changed(*, lead: Lead) -> None:
    """A lead whose activities changed is re-scored once the transaction commits (activity
    counts and response speed are among the lead score's inputs)."""
    leads_rescore_on_commit(lead_ids=[lead.pk])


def activity_due_check(*, due_at: datetime | None, done: bool, now: datetime) -> None:
    """A planned activity is due now or later: one due in the past could only be born overdue."""
    if due_at is not None and not done and due_at < now:
        raise ValidationError(
            _("A task cannot be due in the past. Pick a later due date, or log it as done."),
            code="due_in_past",
        )


@transaction.atomic
def activity_log(
    *,
    kind: str,
    user,  # noqa: ANN001 - the User logging it
    customer: Customer | None = None,
    lead: Lead | None = None,
    note: str = "",
    outcome: str = "",
    due_at: datetime | None = None,
    done: bool | None = None,
    now: datetime | None = None,
) -> Interaction:
    """Log an activity that happened (done) or plan one (a due date, not done yet).

    `done` defaults to "no due date", except for a task: a task is something to do. Recorded
    through the same write as an imported interaction, which re-scores the customer once the
    transaction commits.
    """
    now = now or timezone.now()
    if kind not in vocabulary.ACTIVITY_KINDS:
        raise ValidationError(_("Unknown kind of activity."), code="kind")
    if (customer is None) == (lead is None):
        raise ValueError("an activity is with one customer or one lead")
    if done is None:
        done = due_at is None and kind != "task"
    activity_due_check(due_at=due_at, done=done, now=now)
    activity = interaction_record(
        kind=kind,
        occurred_at=now,
        customer=customer,
        lead=lead,
        channel="",
        user=user,
        note=note[:NOTE_LENGTH],
        due_at=due_at,
        done=done,
        outcome=outcome[: Interaction._meta.get_field("outcome").max_length],
    )
    return activity  # interaction_record re-scores the customer or the lead after the commit


@transaction.atomic
def activity_complete(
    *, activity_id: int, user, outcome: str = "", now: datetime | None = None  # noqa: ANN001
) -> Interaction:
    """Mark a planned activity done, with its outcome; done twice is done once."""
    activity = Interaction.objects.select_for_update().get(pk=activity_id)
    if activity.done:
        return activity
    activity.done = True
    if outcome:
        activity.outcome = outcome[: Interaction._meta.get_field("outcome").max_length]
    activity.user = activity.user or user
    activity.save(update_fields=["done", "outcome", "user", "updated_at"])
    if activity.customer_id is not None:
        customers_rescore_on_commit(customer_ids=[activity.customer_id])
    if activity.lead_id is not None:
        lead_activity_changed(lead=activity.lead)
    return activity
