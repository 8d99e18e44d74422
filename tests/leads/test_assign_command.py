"""`daur assign-leads`: the imported leads without an owner get one, with the reason."""

from __future__ import annotations

import pytest

from daur import cli
from daur.leads.models import Lead
from tests.leads.factories import lead_make
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db


def test_assign_leads_gives_every_open_unowned_lead_an_owner(capsys):
    reps = [user_make("one"), user_make("two")]
    open_ = [lead_make() for _ in range(4)]
    closed = lead_make(stage="lost", lost_reason="price")
    assert cli.main(["assign-leads", "--mode", "round_robin", "-v"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("4 leads assigned to 2 reps; 0 left without")
    assert "Round robin" in out
    owners = Lead.objects.filter(pk__in=[x.pk for x in open_]).values_list("owner", flat=True)
    assert sorted(owners) == sorted([reps[0].pk, reps[0].pk, reps[1].pk, reps[1].pk])
    assert Lead.objects.get(pk=closed.pk).owner is None
