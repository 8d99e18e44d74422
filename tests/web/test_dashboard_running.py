"""While a scoring run is under way the dashboard says so (with a distributed run's ranges
done), in the user's language; once it ends the note is gone."""

from __future__ import annotations

import pytest
from django.utils import translation

from daur.insights.models import ScoringRun

pytestmark = pytest.mark.django_db


def test_a_distributed_run_under_way_is_shown_with_its_ranges(client, manager):
    run = ScoringRun.objects.create(ranges_total=20, ranges_done=7)
    page = client.get("/").content.decode()
    assert "7 of 20 ranges of customers scored" in page
    ScoringRun.objects.filter(pk=run.pk).update(status=ScoringRun.Status.SUCCEEDED)
    assert "scoring-under-way" not in client.get("/").content.decode()


def test_an_in_process_run_under_way_is_shown_in_italian(client, manager):
    ScoringRun.objects.create()
    client.cookies["django_language"] = "it"
    page = client.get("/").content.decode()
    translation.deactivate()
    assert "È in corso un calcolo dei punteggi" in page
    assert "blocchi" not in page
    # The first run of a base: no "previous run", and no "run daur score" box either.
    assert "Le cifre compariranno quando termina." in page
    assert "daur score</code>" not in page
