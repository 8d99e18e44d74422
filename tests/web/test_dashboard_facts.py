"""The dashboard's stored figures equal a direct count over a small base, per role's scope."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from daur.campaigns.models import Campaign
from daur.customers.models import Customer
from daur.insights.dashboard_figures import dashboard_facts_store, dashboard_window
from daur.insights.models import CustomerScore, DashboardFacts
from daur.sales.models import Order
from daur.surveys.models import SurveyAnswer
from daur.web.dashboard import dashboard_summary
from tests.web.factories import AS_OF, customer_make, order_make, run_make, score_make, user_make

pytestmark = pytest.mark.django_db

STAGES = ("reaching", "conversion", "retention", "inspiration", "lapsed", "lost")
STRATEGIES = ("regain", "protect", "enhance", "start")


def _base():
    """Three owners (two reps and nobody), scores spread over the grid, orders, answers."""
    rep, other = user_make("rep-a"), user_make("rep-b")
    run = run_make()
    campaign = Campaign.objects.create(
        external_id="K1", name="Ads", channel="advertising", purpose="acquisition",
        cost=Decimal("3000000"),
    )
    end, _, _ = dashboard_window(AS_OF)
    for i in range(24):
        owner = (rep, other, None)[i % 3]
        c = customer_make(
            f"C{i}", owner=owner, acquired_via=("website", "advertising", "")[i % 3],
            campaign=campaign if i % 4 == 0 else None,
        )
        Customer.objects.filter(pk=c.pk).update(created_at=end - timedelta(days=10 + 40 * i))
        if i % 5 != 4:  # some customers are not scored
            score_make(
                c, stage=STAGES[i % 6], r=1 + i % 5, f=1 + (i * 7) % 5,
                p_alive=(i % 10) / 10, clv=(0.5, 80.0, 12_345.0, 9.9e6)[i % 4] * (1 + i),
                strategy=STRATEGIES[i % 4], run=run,
            )
        for k in range(i % 3):
            order_make(c, at=end - timedelta(days=5 + 150 * k), amount=str(100_000 + 1000 * i),
                       currency="EUR" if i % 6 == 0 else "IDR")
        SurveyAnswer.objects.create(customer=c, answered_at=end - timedelta(days=3 * i), nps=i % 11)
    return run, rep, other


def _direct(customers):
    """The figures counted in Python over the customers' rows, as the dashboard defines them."""
    end, year_ago, month_ago = dashboard_window(AS_OF)
    scores = list(CustomerScore.objects.filter(customer__in=customers))
    orders = Order.objects.filter(customer__in=customers, ordered_at__gte=year_ago, ordered_at__lt=end)
    answers = SurveyAnswer.objects.filter(
        customer__in=customers, answered_at__gte=year_ago, answered_at__lt=end
    )
    revenue = Counter()
    for order in orders:
        revenue[order.currency] += float(order.amount)
    nps = [a.nps for a in answers]
    buckets = Counter(
        -1 if s.clv_12m < 1 else math.floor(math.log10(s.clv_12m) * 4) for s in scores
    )
    return {
        "customers": len(customers),
        "new": sum(month_ago <= c.created_at < end for c in customers),
        # Active: has ordered and is neither lapsed nor lost (daur.definitions.customers)
        "active": sum(s.lifecycle_stage in ("conversion", "retention", "inspiration")
                      for s in scores),
        "clv": sum(s.clv_12m for s in scores),
        "stages": Counter(s.lifecycle_stage for s in scores),
        "rfm": Counter((s.rfm_r, s.rfm_f) for s in scores),
        "buckets": buckets,
        "strategies": Counter(s.strategy for s in scores),
        "revenue": dict(revenue),
        "nps": 100 * (sum(n >= 9 for n in nps) - sum(n <= 6 for n in nps)) / len(nps),
        "nps_answers": len(nps),
        "recent": Counter(
            c.acquired_via for c in customers if c.acquired_via and year_ago <= c.created_at < end
        ),
        "acquired": sum(
            c.campaign_id is not None and year_ago <= c.created_at < end for c in customers
        ),
    }


def _assert_equal(d, want):
    assert d.customers == want["customers"] and d.new_customers == want["new"]
    assert d.active == want["active"]
    assert d.clv_total == pytest.approx(want["clv"])
    shown = {row.stage: row.now for row in d.funnel} | dict(d.inactive)
    assert {s: n for s, n in shown.items() if n} == dict(want["stages"])
    assert {(r, f): n for row in d.rfm_grid for r, f, n, _ in row if n} == dict(want["rfm"])
    histogram = {round(math.log10(low) * 4): n for low, _, n in d.clv_histogram if n}
    assert histogram == {k: n for k, n in want["buckets"].items() if k >= 0}
    assert d.clv_zero == want["buckets"].get(-1, 0)
    assert {s: n for s, n in d.strategies if n} == dict(want["strategies"])
    assert d.revenue_by_currency == pytest.approx(want["revenue"])
    assert d.nps == pytest.approx(want["nps"]) and d.nps_answers == want["nps_answers"]
    assert {row.channel: row.customers for row in d.channels if row.customers} == dict(
        want["recent"]
    )
    assert sum(row.campaign_customers for row in d.channels) == want["acquired"]
    # K1 cost 3,000,000 and acquired 6 customers over its life: 500,000 each
    assert sum(row.campaign_cost for row in d.channels) == pytest.approx(
        500_000 * want["acquired"]
    )


@pytest.fixture
def base():
    return _base()


def test_the_stored_figures_equal_a_direct_count_for_a_manager_and_a_rep(base):
    run, rep, other = base
    dashboard_facts_store(run=run)
    scopes = set(DashboardFacts.objects.filter(run=run).values_list("scope", flat=True))
    assert scopes == {"all", str(rep.pk), str(other.pk), "-"}
    manager = user_make("boss", role="manager")
    _assert_equal(dashboard_summary(user=manager), _direct(list(Customer.objects.all())))
    _assert_equal(dashboard_summary(user=rep), _direct(list(Customer.objects.filter(owner=rep))))
    newcomer = user_make("rep-new")  # owns nobody: zeros, and the run is not recomputed
    assert dashboard_summary(user=newcomer).customers == 0
    assert DashboardFacts.objects.count() == 4


def test_a_run_without_figures_gets_them_on_the_first_dashboard(base):
    run, rep, _ = base
    assert not DashboardFacts.objects.exists()
    _assert_equal(dashboard_summary(user=rep), _direct(list(Customer.objects.filter(owner=rep))))
    assert DashboardFacts.objects.filter(run=run, scope="all").exists()


def test_customers_orders_and_answers_written_after_the_run_are_counted(base):
    run, rep, other = base
    dashboard_facts_store(run=run)
    end, _, _ = dashboard_window(AS_OF)
    late = customer_make("Late", owner=rep)
    Customer.objects.filter(pk=late.pk).update(created_at=end - timedelta(days=2))
    order_make(late, at=end - timedelta(days=1), amount="777000")
    order_make(late, at=timezone.make_aware(datetime(2030, 1, 1)), amount="1")  # after the as-of
    SurveyAnswer.objects.create(customer=late, answered_at=end - timedelta(days=1), nps=10)
    want = _direct(list(Customer.objects.filter(owner=rep)))
    d = dashboard_summary(user=rep)
    # The score-based figures are those of the run; the late customer has no score and came in
    # after the run, so the channel counts stay as of the run.
    want["recent"] = Counter(
        c.acquired_via for c in Customer.objects.filter(owner=rep, pk__lt=late.pk)
        if c.acquired_via and c.created_at >= end - timedelta(days=365)
    )
    _assert_equal(d, want)
    manager = user_make("boss2", role="manager")
    assert dashboard_summary(user=manager).customers == Customer.objects.count()
    assert dashboard_summary(user=other).customers == Customer.objects.filter(owner=other).count()


def test_daur_score_stores_the_figures_of_its_run(capsys):
    from daur import cli
    from daur.demo.load import demo_load
    from daur.insights.models import ScoringRun

    demo_load(customers=150, seed=5)
    assert cli.main(["score"]) == 0
    assert "Dashboard figures stored" in capsys.readouterr().out
    run = ScoringRun.objects.get(status="succeeded")
    facts = DashboardFacts.objects.get(run=run, scope="all").facts
    assert facts["figures"]["scored"] == 150 and facts["as_of"] == run.as_of.isoformat()
    # On the demo too, the funnel's rows never grow and its conversions are shares, and the
    # owners' campaign costs add up to the company's: each cost is counted once.
    d = dashboard_summary(user=user_make("boss", role="manager"))
    reached = [row.reached for row in d.funnel]
    assert reached[0] == 150 and reached == sorted(reached, reverse=True)
    assert all(0 <= row.conversion <= 1 for row in d.funnel[1:] if row.conversion is not None)
    owners = DashboardFacts.objects.filter(run=run).exclude(scope="all")
    by_owner = sum(cost for o in owners for _, cost in o.facts["figures"]["campaigns"].values())
    assert by_owner == pytest.approx(sum(row.campaign_cost for row in d.channels))
    assert by_owner > 0
