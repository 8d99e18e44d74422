"""The segment pages show the figures the latest scoring run recorded to those who see the whole
base (while the segment's filter is the one they were recorded for), and count them now for a
sales rep, for a segment saved or changed since, and on request."""

from __future__ import annotations

import pytest
from django.urls import reverse

from daur.actions.segments import segment_create, segment_update
from daur.insights.models import SegmentSnapshot
from daur.insights.segments import segment_figures, segment_snapshots_store
from tests.web.factories import customer_make, order_make, run_make, score_make, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def base():
    rep = user_make("rep1", role="sales_rep")
    run = run_make()
    for n in range(3):
        customer = customer_make(f"Mine {n}", owner=rep)
        score_make(customer, stage="retention", run=run, clv=100.0)
        order_make(customer, amount="200")
    score_make(customer_make("Lost one", owner=rep), stage="lost", run=run, clv=5.0)
    segment = segment_create(name="Retained", query="stage=retention")
    segment_snapshots_store(run=run)
    # A customer joins after the run: counted now, not in the recorded figures.
    score_make(customer_make("Late", owner=rep), stage="retention", run=run, clv=100.0)
    return {"rep": rep, "run": run, "segment": segment}


def _manager(client):
    client.force_login(user_make("boss", role="manager", is_superuser=True))


def test_the_run_records_the_filter_with_the_figures(base):
    stored = SegmentSnapshot.objects.get(segment=base["segment"], run=base["run"])
    assert stored.query == "stage=retention"
    assert (stored.size, stored.revenue, stored.clv) == (3, 600.0, 300.0)
    assert segment_figures(base["segment"]).size == 4


def test_the_whole_base_reads_the_recorded_figures(client, base):
    _manager(client)
    page = client.get(reverse("web:segments")).content.decode()
    assert ">3<" in page and ">4<" not in page and "As recorded by the scoring run" in page
    detail_url = reverse("web:segment", args=[base["segment"].pk])
    detail = client.get(detail_url).content.decode()
    assert "As recorded by the scoring run" in detail and "?now=1" in detail
    now = client.get(detail_url, {"now": "1"}).content.decode()
    assert "As recorded by the scoring run" not in now


def test_a_changed_filter_is_counted_now(client, base):
    _manager(client)
    segment_update(segment=base["segment"], name="Retained", query="stage=lost")
    page = client.get(reverse("web:segments")).content.decode()
    assert "As recorded by the scoring run" not in page and ">1<" in page
    assert "Counted now." not in page  # every row counted now: nothing to tell apart
    SegmentSnapshot.objects.filter(segment=base["segment"]).update(query=None)
    segment_update(segment=base["segment"], name="Retained", query="stage=retention")
    page = client.get(reverse("web:segments")).content.decode()
    assert "As recorded by the scoring run" not in page and ">4<" in page


def test_a_sales_rep_reads_the_figures_of_the_customers_they_owned(client, base):
    other = user_make("rep2", role="sales_rep")
    theirs = customer_make("Theirs", owner=other)
    score_make(theirs, stage="retention", run=base["run"], clv=7.0)
    order_make(theirs, amount="50")
    owned = segment_create(name="Owned by rep2", query=f"stage=retention&owner={other.pk}")
    segment_snapshots_store(run=base["run"])
    for segment in (base["segment"], owned):
        stored = SegmentSnapshot.objects.get(segment=segment, run=base["run"])
        # A rep's list has no owner filter: the same figures as counted now for each rep.
        for rep in (base["rep"], other):
            live = segment_figures(segment, rep)
            assert stored.by_owner[str(rep.pk)] == [live.size, live.revenue, live.clv]
    assert SegmentSnapshot.objects.get(segment=owned, run=base["run"]).size == 1
    client.force_login(base["rep"])
    page = client.get(reverse("web:segments")).content.decode()
    assert (
        "As recorded by the scoring run" in page and ">4<" in page and "customers you own" in page
    )
    now = client.get(reverse("web:segment", args=[base["segment"].pk]), {"now": "1"})
    assert "As recorded by the scoring run" not in now.content.decode()


@pytest.mark.parametrize(
    "query", ["q=Mine", "q=ine&match=contains", "sort=clv&stage=retention", ""]
)
def test_the_figures_by_owner_are_each_owners_list(base, query):
    other = user_make("rep2", role="sales_rep")
    score_make(customer_make("Mine too", owner=other), stage="retention", run=base["run"], clv=3.0)
    nobodys = customer_make("Mine, nobody's", owner=None)
    score_make(nobodys, stage="retention", run=base["run"], clv=11.0)
    order_make(nobodys, amount="70")
    segment = segment_create(name="Searched", query=query)
    segment_snapshots_store(run=base["run"])
    stored = SegmentSnapshot.objects.get(segment=segment, run=base["run"])
    whole = segment_figures(segment)  # the owners' added up (nobody's included), as counted now
    assert stored.size == whole.size
    assert (stored.revenue, stored.clv) == pytest.approx((whole.revenue, whole.clv))
    for rep in (base["rep"], other):
        live = segment_figures(segment, rep)
        expected = [live.size, live.revenue, live.clv] if live.size else None
        assert stored.by_owner.get(str(rep.pk)) == expected


def test_a_recorded_filter_that_no_longer_reads_is_said_so(client, base):
    _manager(client)
    SegmentSnapshot.objects.filter(segment=base["segment"]).update(query="stage=vanished")
    base["segment"].__class__.objects.filter(pk=base["segment"].pk).update(query="stage=vanished")
    page = client.get(reverse("web:segments")).content.decode()
    assert "no longer reads" in page and "As recorded by the scoring run" not in page


def test_a_segment_saved_since_the_run_says_it_was_counted_now(client, base):
    """The run's date is said once above the list; only the row that differs says so."""
    from daur.actions.segments import segment_create

    _manager(client)
    segment_create(name="Lost ones", query="stage=lost")
    page = client.get(reverse("web:segments")).content.decode()
    assert page.count("As recorded by the scoring run") == 1
    assert page.count("Counted now.") == 1
