"""`daur demo` fills the pipeline: open leads in every stage, histories, the reps' planned
activities around today (some overdue), and loading it again plans afresh."""

from __future__ import annotations

import pytest
from django.utils import timezone

from daur import vocabulary
from daur.demo.load import demo_load
from daur.engagement.models import Interaction
from daur.leads.models import Lead
from daur.leads.selectors import lead_stage_history

pytestmark = pytest.mark.django_db


def test_the_demo_pipeline_has_every_stage_histories_and_due_work():
    demo_load(customers=120, seed=3)
    now = timezone.now()
    stages = set(Lead.objects.values_list("stage", flat=True))
    assert set(vocabulary.LEAD_STAGES) <= stages
    planned = Interaction.objects.filter(done=False, due_at__isnull=False)
    assert planned.filter(due_at__lt=now).exists() and planned.filter(due_at__gt=now).exists()
    assert set(planned.values_list("user__username", flat=True)) <= {
        "demo-rep", "demo-rep2", "demo-rep3"
    }
    for lead in Lead.objects.exclude(stage="new")[:20]:
        stays = lead_stage_history(lead)
        assert stays[0].stage == "new" and stays[-1].stage == lead.stage
        assert all(a.entered_at <= b.entered_at for a, b in zip(stays, stays[1:]))
    count = planned.count()
    demo_load(customers=120, seed=3)
    assert Interaction.objects.filter(done=False, due_at__isnull=False).count() == count
