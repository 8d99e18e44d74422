"""Activities on customers and leads: planned with a due date, done with an outcome, overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from daur.actions.activities import activity_complete, activity_log
from daur.engagement.models import Interaction
from tests.leads.factories import lead_make
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db


def test_a_task_due_in_the_past_is_refused_and_nothing_is_written():
    rep = user_make("r")
    lead = lead_make(owner=rep)
    with pytest.raises(ValidationError, match="cannot be due in the past"):
        activity_log(kind="task", lead=lead, user=rep, due_at=timezone.now() - timedelta(hours=1))
    assert not Interaction.objects.exists()


def test_a_planned_activity_is_open_then_overdue_then_done(django_capture_on_commit_callbacks):
    rep = user_make("r")
    customer = customer_make("Acme", owner=rep)
    now = timezone.now()
    with django_capture_on_commit_callbacks() as callbacks:
        call = activity_log(kind="call", customer=customer, user=rep, due_at=now + timedelta(days=1))
    assert len(callbacks) == 1  # the customer's re-score
    assert not call.done and not call.overdue
    assert call.is_overdue(now + timedelta(days=2))
    with django_capture_on_commit_callbacks() as callbacks:
        done = activity_complete(activity_id=call.pk, user=rep, outcome="Interested")
    assert done.done and done.outcome == "Interested" and not done.is_overdue(now + timedelta(2))
    assert len(callbacks) == 1


def test_a_logged_activity_without_due_date_is_done():
    lead = lead_make()
    note = activity_log(kind="note", lead=lead, user=None, note="<script>x</script>")
    assert note.done and note.due_at is None and note.lead == lead
    assert note.note == "<script>x</script>"  # stored as typed; escaped when shown


def test_unknown_kinds_are_refused():
    with pytest.raises(ValidationError):
        activity_log(kind="visit", lead=lead_make(), user=None)


def test_a_task_is_open_until_done_even_without_a_due_date():
    task = activity_log(kind="task", lead=lead_make(), user=None, note="Call back")
    assert not task.done and not task.overdue
