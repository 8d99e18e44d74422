"""Editing and deleting a saved segment: the strict parser guards the filter, a taken name is
refused, nothing is half-written, roles, and a stored filter that no longer reads is explained."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from daur.actions.segments import SegmentRefused, segment_create, segment_delete, segment_update
from daur.campaigns.models import Segment
from daur.insights.models import SegmentSnapshot
from tests.web.factories import customer_make, run_make, score_make, user_make


@pytest.fixture(autouse=True)
def english():
    """The messages asserted are English (a page test before may leave another language on)."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db


@pytest.fixture
def segment():
    run = run_make()
    for n in range(2):
        score_make(customer_make(f"C {n}"), stage="retention", run=run)
    segment_create(name="Other", query="")
    made = segment_create(name="Retained", query="stage=retention")
    SegmentSnapshot.objects.create(segment=made, run=run, size=2, revenue=0.0, clv=0.0)
    return made


def test_update_renames_and_stores_the_canonical_filter(segment):
    segment_update(segment=segment, name="  Kept   warm ", query="?rfm_r=5&stage=retention&cursor=x")
    stored = Segment.objects.get(pk=segment.pk)
    assert stored.name == "Kept warm" and stored.query == "stage=retention&rfm_r=5"


@pytest.mark.parametrize(
    ("name", "query", "reason"),
    [
        ("Retained", "stage=nowhere", "stage: 'nowhere' is not one of"),
        ("Retained", "colour=red", "unknown filter field 'colour'"),
        ("Retained", "rfm_r=9", "rfm_r: '9' is not a valid number"),
        ("other", "stage=retention", "exists already"),
        ("   ", "stage=retention", "needs a name"),
        ("x" * 101, "", "at most 100 characters"),
    ],
)
def test_update_refuses_bad_input_and_writes_nothing(segment, name, query, reason):
    with pytest.raises(SegmentRefused, match=reason):
        segment_update(segment=segment, name=name, query=query)
    stored = Segment.objects.get(pk=segment.pk)
    assert (stored.name, stored.query) == ("Retained", "stage=retention")


def test_delete_removes_the_segment_and_its_history(segment):
    segment_delete(segment=segment)
    assert not Segment.objects.filter(pk=segment.pk).exists()
    assert not SegmentSnapshot.objects.filter(segment_id=segment.pk).exists()


def _login(client, role: str):
    client.force_login(user_make(f"u-{role}", role=role, is_superuser=role in ("admin", "manager")))


@pytest.mark.parametrize("role", ["admin", "manager", "marketer"])
def test_managing_roles_edit_and_delete_from_the_page(client, segment, role):
    _login(client, role)
    url = reverse("web:segment", args=[segment.pk])
    assert "Edit or delete" in client.get(url).content.decode()
    response = client.post(
        reverse("web:segment_edit", args=[segment.pk]), {"name": "Renamed", "query": "stage=lost"}
    )
    assert response.status_code == 302 and Segment.objects.get(pk=segment.pk).query == "stage=lost"
    refused = client.post(
        reverse("web:segment_edit", args=[segment.pk]), {"name": "Renamed", "query": "stage=zzz"}
    )
    page = refused.content.decode()
    assert refused.status_code == 400 and "is not one of" in page and 'value="stage=zzz"' in page
    assert Segment.objects.get(pk=segment.pk).query == "stage=lost"
    unconfirmed = client.post(reverse("web:segment_delete", args=[segment.pk]), {})
    assert unconfirmed.status_code == 302 and Segment.objects.filter(pk=segment.pk).exists()
    deleted = client.post(reverse("web:segment_delete", args=[segment.pk]), {"confirm": "yes"})
    assert deleted["Location"] == reverse("web:segments")
    assert not Segment.objects.filter(pk=segment.pk).exists()


@pytest.mark.parametrize("role", ["sales_rep", "support_agent"])
def test_other_roles_cannot_edit_or_delete(client, segment, role):
    _login(client, role)
    if role == "sales_rep":
        assert "Edit or delete" not in client.get(reverse("web:segment", args=[segment.pk])).content.decode()
    edit = client.post(reverse("web:segment_edit", args=[segment.pk]), {"name": "X", "query": ""})
    delete = client.post(reverse("web:segment_delete", args=[segment.pk]), {"confirm": "yes"})
    assert edit.status_code == delete.status_code == 403
    assert Segment.objects.get(pk=segment.pk).name == "Retained"


def test_a_filter_that_no_longer_reads_is_shown_with_its_reason(client, segment):
    Segment.objects.filter(pk=segment.pk).update(query="stage=retired")
    _login(client, "manager")
    response = client.get(reverse("web:segment", args=[segment.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "no longer reads" in page and "&#x27;retired&#x27; is not one of" in page
    assert client.get(reverse("web:segments")).status_code == 200
