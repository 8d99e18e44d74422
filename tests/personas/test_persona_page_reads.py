"""The personas page reads stored rows only: the latest run's personas with the ones they
continue, and how many of the previous run's have no successor."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from daur.insights.models import Persona, PersonaRun
from tests.web.factories import run_make, user_make

pytestmark = pytest.mark.django_db

FIGURES = {"orders_per_year": 2.0, "order_value": 100.0, "discount_share": 0.25}


def _run(sizes: list[int], previous: list[Persona | None] | None = None) -> list[Persona]:
    persona_run = PersonaRun.objects.create(
        run=run_make(), buyers=sum(sizes), k=len(sizes), silhouette=0.4, sample_size=100
    )
    return [
        Persona.objects.create(
            persona_run=persona_run,
            key=n,
            number=n,
            size=size,
            share=size / sum(sizes),
            figures=FIGURES,
            traits=[],
            centre={"x": [0.0] * 50},
            previous=previous[n - 1] if previous else None,
        )
        for n, size in enumerate(sizes, start=1)
    ]


@pytest.mark.parametrize(("continued", "gone"), [(3, 0), (2, 1), (1, 2)])
def test_the_drift_and_the_personas_without_a_successor(client, continued, gone):
    client.force_login(user_make("boss", role="manager", is_superuser=True))
    first = _run([50, 30, 20])
    _run([60, 40, 10][:continued], previous=first[:continued])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("web:personas"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("New since the previous run") == 0
    if gone == 0:
        assert "no successor" not in page
    elif gone == 1:
        assert "One persona of the previous run has no successor." in page
    else:
        assert f"{gone} personas of the previous run have no successor." in page
    # session, user, the persona run, the latest scoring run (two reads the first time), its
    # personas with their predecessors, and those gone (the previous run looked up in the same read)
    assert len(queries) <= 7


def test_the_first_run_has_nothing_gone(client):
    client.force_login(user_make("boss", role="manager", is_superuser=True))
    _run([50, 30])
    page = client.get(reverse("web:personas"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("New since the previous run") == 2 and "no successor" not in page
