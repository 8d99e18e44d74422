"""Marks on a sales rep's worklist (SPEC §6 "A sales rep's day"): done, or snoozed until a day.

Who may mark which item is the interface's question (an item the user cannot see is a 404
there). An overdue activity marked done is completed, as from its page; a customer or a lead
marked done leaves the list until the next scoring run (daur.insights.worklist).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from daur.actions.activities import activity_complete
from daur.engagement.models import WORKLIST_KINDS, WorklistMark

# A snooze is for days, up to a quarter: further off, the item is not today's work at all.
SNOOZE_MAX_DAYS = 90


@transaction.atomic
def worklist_done(*, user, kind: str, item_id: int, now: datetime | None = None) -> WorklistMark:  # noqa: ANN001 - a User
    """Mark an item done (an activity: completed too); marked again, the last mark holds."""
    now = now or timezone.now()
    if kind not in WORKLIST_KINDS:
        raise ValidationError(_("Unknown kind of item."), code="kind")
    if kind == "activity":
        activity_complete(activity_id=item_id, user=user, now=now)
    mark, _created = WorklistMark.objects.update_or_create(
        user=user, kind=kind, item_id=item_id,
        defaults={"done_at": now, "snoozed_until": None, "marked_at": now},
    )
    return mark


@transaction.atomic
def worklist_snooze(
    *, user, kind: str, item_id: int, days: int, now: datetime | None = None  # noqa: ANN001
) -> WorklistMark:
    """Keep an item off the list for `days` days (1 to SNOOZE_MAX_DAYS)."""
    now = now or timezone.now()
    if kind not in WORKLIST_KINDS:
        raise ValidationError(_("Unknown kind of item."), code="kind")
    if not 1 <= days <= SNOOZE_MAX_DAYS:
        raise ValidationError(
            _("Snooze for 1 to %(max)d days.") % {"max": SNOOZE_MAX_DAYS}, code="days"
        )
    mark, _created = WorklistMark.objects.update_or_create(
        user=user, kind=kind, item_id=item_id,
        defaults={"snoozed_until": now + timedelta(days=days), "done_at": None, "marked_at": now},
    )
    return mark
