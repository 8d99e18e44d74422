"""Saved segments: a segment holds exactly what its customer list holds, for every role; the
command line refuses what the list does not understand; each scoring run stores the figures."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from daur.accounts.models import User
from daur.actions.segments import segment_create
from daur.campaigns.models import Segment
from daur.customers.models import Customer
from daur.customers.selectors import customer_count, customer_list
from daur.definitions.currency import to_base
from daur.demo.load import demo_load
from daur.insights.models import CustomerScore, ScoringRun, SegmentSnapshot
from daur.insights.segments import segment_figures, segment_members
from daur.jobs import score_run
from daur.sales.models import Order
from daur.web.forms import CustomerFilterForm
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def business():
    demo_load(customers=80, seed=7)
    score_run()
    return user_make("boss", role="manager", is_superuser=True)


def _queries() -> list[str]:
    """Query strings over the demo's own values: stage, type, RFM, owner, strategy, search."""
    score = CustomerScore.objects.exclude(rfm_r=None).exclude(types="").order_by("customer_id").first()
    owner = Customer.objects.exclude(owner=None).order_by("id").first().owner_id
    kind = score.types.split(";")[0]
    clvs = sorted(CustomerScore.objects.exclude(clv_12m=None).values_list("clv_12m", flat=True))
    clv = round(clvs[len(clvs) // 2], 2)  # the median: each side holds some
    return [
        "",
        "stage=active",
        f"stage={score.lifecycle_stage}",
        f"type={kind}",
        f"rfm_r={score.rfm_r}&rfm_f={score.rfm_f}",
        f"segment={score.rfm_segment.replace(' ', '+')}",
        f"owner={owner}",
        f"owner={owner}&stage=active&sort=clv",
        f"strategy={score.strategy}&type={kind}",
        "sort=p_alive",
        "q=a&match=contains",
        "relationship=external&stage=lost",
        f"clv_min={clv}",
        f"clv_min=0&clv_max={clv}&stage=active",
        f"clv_max={clv}&owner={owner}&sort=name",
    ]


def _list_ids(user: User, query: str) -> set[int]:
    form = CustomerFilterForm(QueryDict(query), user=user)
    page = customer_list(user=user, filters=form.filters(), limit=100_000)
    assert customer_count(user=user, filters=form.filters()) == len(page.customers)
    return {c.pk for c in page.customers}


def test_a_segment_holds_what_its_list_holds_for_every_role(business):
    rep = User.objects.filter(role="sales_rep", customers__isnull=False).first()
    marketer = user_make("mk", role="marketer")
    sizes = set()
    for n, query in enumerate(_queries()):
        segment = segment_create(name=f"S{n}", query=query, user=business)
        for user in (business, marketer, rep):
            members = set(segment_members(segment, user).values_list("id", flat=True))
            assert members == _list_ids(user, segment.query) == _list_ids(user, query), query
            assert segment_figures(segment, user).size == len(members)
        sizes.add(len(set(segment_members(segment).values_list("id", flat=True))))
    assert len(sizes) > 3  # the queries really narrow the list, differently


def test_the_figures_add_up_the_members_orders_and_clv(business):
    segment = segment_create(name="Active", query="stage=active", user=business)
    members = segment_members(segment)
    figures = segment_figures(segment)
    clv = sum(s.clv_12m or 0 for s in CustomerScore.objects.filter(customer__in=members))
    revenue = sum(
        to_base(float(o.amount), o.currency) or float(o.amount)
        for o in Order.objects.filter(customer__in=members)
    )
    assert figures.size == members.count() > 0
    assert figures.clv == pytest.approx(clv)
    assert figures.revenue == pytest.approx(revenue)


def test_each_scoring_run_stores_every_segments_figures(business):
    a = segment_create(name="Active", query="stage=active", user=business)
    b = segment_create(name="Everyone", query="", user=business)
    first = score_run().run
    second = score_run().run
    for run in (first, second):
        stored = {s.segment_id: s for s in SegmentSnapshot.objects.filter(run=run)}
        assert set(stored) == set(Segment.objects.values_list("pk", flat=True)) >= {a.pk, b.pk}
        assert stored[b.pk].size == Customer.objects.count()
        assert stored[a.pk].size == segment_figures(a).size
        assert stored[a.pk].clv == pytest.approx(segment_figures(a).clv)


def test_a_failing_segment_step_leaves_the_scores_and_says_so(business, monkeypatch):
    segment_create(name="Active", query="stage=active", user=business)

    def broken(*, run):
        raise RuntimeError("disk full")

    monkeypatch.setattr("daur.insights.segments.segment_snapshots_store", broken)
    job = score_run()
    run = ScoringRun.objects.get(pk=job.run.pk)
    assert run.status == ScoringRun.Status.SUCCEEDED
    assert "segments' figures are not stored (RuntimeError: disk full)" in run.message
    assert not SegmentSnapshot.objects.filter(run=run).exists()
    assert CustomerScore.objects.filter(run=run).exists()
