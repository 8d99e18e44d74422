"""The segment pages: who sees what, "Save as segment" from the list, the history charts, and
hostile names and query strings (never a 500)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from daur.actions.segments import segment_create
from daur.campaigns.models import Segment
from daur.insights.models import SegmentSnapshot
from tests.web.factories import customer_make, order_make, run_make, score_make, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def base():
    rep = user_make("rep1", role="sales_rep")
    other = user_make("rep2", role="sales_rep")
    run = run_make()
    for n in range(3):
        score_make(customer_make(f"Mine {n}", owner=rep), stage="retention", run=run, clv=100.0)
    for n in range(2):
        c = customer_make(f"Theirs {n}", owner=other)
        score_make(c, stage="retention", run=run, clv=1000.0)
        order_make(c, amount="500")
    segment = segment_create(name="Retained", query="stage=retention")
    return {"rep": rep, "run": run, "segment": segment}


def _login(client, role: str):
    user = user_make(f"u-{role}", role=role, is_superuser=role in ("admin", "manager"))
    client.force_login(user)
    return user


@pytest.mark.parametrize("role", ["admin", "manager", "marketer"])
def test_creators_see_the_whole_segment_and_save_one_from_the_list(client, base, role):
    _login(client, role)
    page = client.get(reverse("web:segments")).content.decode()
    assert "Retained" in page and "?stage=retention" in page and ">5<" in page
    listing = client.get(reverse("web:customers"), {"stage": "retention", "cursor": "x"})
    assert 'form="segment-save" value="stage=retention"' in listing.content.decode()
    assert "Save as segment" in listing.content.decode()
    response = client.post(reverse("web:segment_new"), {"name": "Mine", "query": "stage=retention"})
    created = Segment.objects.get(name="Mine")
    assert response.status_code == 302 and response["Location"].endswith(f"/segments/{created.pk}/")
    assert client.get(response["Location"]).status_code == 200


def test_a_sales_rep_sees_the_figures_of_their_own_customers(client, base):
    client.force_login(base["rep"])
    page = client.get(reverse("web:segments")).content.decode()
    assert ">3<" in page and "customers you own" in page
    assert "Save as segment" not in client.get(reverse("web:customers")).content.decode()
    assert client.post(reverse("web:segment_new"), {"name": "X", "query": ""}).status_code == 403
    detail = client.get(reverse("web:segment", args=[base["segment"].pk])).content.decode()
    assert "<svg" not in detail


def test_support_agents_have_no_segments(client, base):
    _login(client, "support_agent")
    assert client.get(reverse("web:segments")).status_code == 403
    assert client.get(reverse("web:segment", args=[base["segment"].pk])).status_code == 403
    assert client.post(reverse("web:segment_new"), {"name": "X", "query": ""}).status_code == 403
    assert "/segments/" not in client.get(reverse("web:customers")).content.decode()


def test_the_segment_page_draws_its_figures_over_the_runs(client, base):
    _login(client, "manager")
    segment = base["segment"]
    second = run_make()
    SegmentSnapshot.objects.create(segment=segment, run=base["run"], size=4, revenue=10, clv=20)
    SegmentSnapshot.objects.create(segment=segment, run=second, size=5, revenue=500, clv=2300)
    page = client.get(reverse("web:segment", args=[segment.pk])).content.decode()
    assert page.count("<svg") == 3 and page.count("<polyline") == 3
    assert "style=" not in page.split("<main", 1)[-1] and "<script>" not in page


def test_a_taken_name_is_refused_and_the_list_kept(client, base):
    _login(client, "marketer")
    response = client.post(
        reverse("web:segment_new"), {"name": "retained", "query": "stage=lost"}, follow=True
    )
    assert response.status_code == 200 and "exists already" in response.content.decode()
    assert response.redirect_chain[0][0].endswith("/customers/?stage=lost")
    assert Segment.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("<script>alert(1)</script>", "q=%3Cscript%3E"),
        ("x" * 5000, ""),
        ("nul\x00name", "stage=active"),
        ("ok", "stage=%00"),
        ("ok2", "owner=99999999999999999999"),
        ("ok3", "\r\nLocation: http://evil.example/"),
        ("ok4", "q=" + "%" * 3000),
        ("ok5", "rfm_r=1e3&type=<b>"),
    ],
)
def test_hostile_names_and_queries_never_fail_the_page(client, base, name, query):
    _login(client, "manager")
    response = client.post(reverse("web:segment_new"), {"name": name, "query": query})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//") and "\n" not in location
    assert client.get(response["Location"]).status_code == 200
    page = client.get(reverse("web:segments"))
    assert page.status_code == 200 and "<script>alert" not in page.content.decode()


def test_a_stored_query_that_no_longer_reads_is_shown_not_failed(client, base):
    _login(client, "manager")
    broken = Segment.objects.create(name="Old", query="stage=vanished")
    assert "no longer reads" in client.get(reverse("web:segments")).content.decode()
    assert client.get(reverse("web:segment", args=[broken.pk])).status_code == 200
    assert client.get(reverse("web:segment", args=[999999])).status_code == 404
