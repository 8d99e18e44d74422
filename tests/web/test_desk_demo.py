"""The demo's live service desk (`daur demo`): SLA policies, a backlog with breaches and some
breaching soon, answered satisfaction and an answered NPS round; loading it again starts it
afresh. Without it, the demo business is as before (its scoring day is its last day)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from daur.demo.load import demo_load
from daur.demo.service_desk import demo_desk_fill
from daur.servicedesk.models import SlaPolicy, Ticket
from daur.servicedesk.sla import ticket_sla_state
from daur.surveys.models import SurveyInvitation

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_live_desk_and_answered_feedback():
    summary = demo_load(customers=300, seed=3, desk=True)
    assert "desk tickets" in summary
    assert SlaPolicy.objects.count() == 4
    desk = Ticket.objects.filter(external_id__startswith="DESK-")
    assert desk.count() == 50
    now = timezone.now()
    working = desk.filter(status__in=["open", "in_progress"])
    states = {ticket_sla_state(t, now=now) for t in working}
    assert {"breached", "soon", "running"} <= states
    assert desk.filter(satisfaction__isnull=False).exists()
    assert desk.filter(status="waiting").exists()
    assert SurveyInvitation.objects.filter(answer__isnull=False).exists()
    answered = SurveyInvitation.objects.filter(answer__isnull=False).count()
    again = demo_desk_fill(seed=3)
    assert Ticket.objects.filter(external_id__startswith="DESK-").count() == 50
    assert SurveyInvitation.objects.filter(answer__isnull=False).count() == again["survey answers"]
    assert answered == again["survey answers"]  # the same seed, the same answers


def test_without_the_desk_the_demo_has_no_desk_tickets():
    demo_load(customers=100, seed=3)
    assert not Ticket.objects.filter(external_id__startswith="DESK-").exists()
