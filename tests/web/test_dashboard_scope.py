"""The dashboard's figures mean what they say: a sales rep's CAC and alerts are the rep's, the
funnel's conversion is a share (hand-counted), and every column of the channel table covers the
same 12 months."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from daur.campaigns.models import Campaign
from daur.customers.models import Customer
from daur.insights.dashboard_figures import dashboard_facts_store, dashboard_window
from daur.insights.models import Alert, DashboardFacts
from daur.web import dashboard
from daur.web.dashboard import dashboard_summary
from tests.web.factories import (
    AS_OF,
    customer_make,
    order_make,
    run_make,
    score_make,
    stage_change_make,
    user_make,
)

pytestmark = pytest.mark.django_db

END, YEAR_AGO, _ = dashboard_window(AS_OF)


def _acquired(owner, campaign, *, days_ago: int = 30, channel: str | None = None) -> Customer:
    c = customer_make(
        owner=owner, campaign=campaign, acquired_via=channel or campaign.channel
    )
    Customer.objects.filter(pk=c.pk).update(created_at=END - timedelta(days=days_ago))
    return c


@pytest.fixture
def two_reps():
    """Two reps and four campaigns (acquired customers per rep, in brackets those created more
    than 12 months before the as-of date):

    X advertising, cost 1,000,000: A 1, B 3        -> 250,000 a customer
    Y email, cost 600,000:          A 2, B (1)      -> 200,000 a customer
    Z email, no cost:               A 1             -> no CAC
    W event, retention, 900,000:    A 1             -> not an acquisition campaign
    """
    a, b = user_make("rep-a"), user_make("rep-b")
    run = run_make()
    x = Campaign.objects.create(external_id="X", name="X", channel="advertising",
                                cost=Decimal("1000000"))
    y = Campaign.objects.create(external_id="Y", name="Y", channel="email", cost=Decimal("600000"))
    z = Campaign.objects.create(external_id="Z", name="Z", channel="email")
    w = Campaign.objects.create(external_id="W", name="W", channel="event", purpose="retention",
                                cost=Decimal("900000"))
    _acquired(a, x)
    for _ in range(3):
        _acquired(b, x, days_ago=200)
    _acquired(a, y, days_ago=10)
    _acquired(a, y, days_ago=364)  # the window's first day
    _acquired(b, y, days_ago=400)  # before the 12 months
    _acquired(a, z)
    _acquired(a, w)
    return run, a, b


def test_a_reps_cac_is_the_cost_its_own_customers_carry(two_reps):
    run, a, b = two_reps
    dashboard_facts_store(run=run)
    mine = dashboard_summary(user=a)
    # A: X's 1 customer carries 250,000, Y's 2 carry 200,000 each: 650,000 over 3
    assert mine.cac == pytest.approx(650_000 / 3)
    channels = {row.channel: row for row in mine.channels}
    assert channels["advertising"].campaign_customers == 1
    assert channels["advertising"].campaign_cost == pytest.approx(250_000)
    assert channels["advertising"].cac == pytest.approx(250_000)
    assert channels["email"].campaign_customers == 2  # Z has no cost: left out
    assert channels["email"].cac == pytest.approx(200_000)
    assert channels["email"].customers == 3  # every email customer of A is in the 12 months
    assert channels["event"].campaign_customers == 0 and channels["event"].cac is None
    # B: X's 3 customers; B's Y customer was acquired before the 12 months
    assert dashboard_summary(user=b).cac == pytest.approx(250_000)
    manager = user_make("boss", role="manager")
    # The company: X 4 x 250,000 and Y 2 x 200,000 over 6
    assert dashboard_summary(user=manager).cac == pytest.approx(1_400_000 / 6)


def test_every_column_of_the_channel_table_covers_the_same_12_months(two_reps):
    run, _, _ = two_reps
    dashboard_facts_store(run=run)
    d = dashboard_summary(user=user_make("boss", role="manager"))
    assert d.channels_from == AS_OF - timedelta(days=364)
    assert (AS_OF - d.channels_from).days + 1 == 365
    channels = {row.channel: row for row in d.channels}
    # Y acquired 3 customers in all, one of them 400 days ago: in no column
    assert channels["email"].customers == 3  # A's two from Y and one from Z
    assert channels["email"].campaign_customers == 2
    assert channels["email"].campaign_cost == pytest.approx(400_000)
    for row in d.channels:  # acquired_via is the campaign's channel here
        assert row.campaign_customers <= row.customers


def test_the_page_states_the_period_and_the_reps_figures(client, two_reps):
    run, a, _ = two_reps
    dashboard_facts_store(run=run)
    client.force_login(a)
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Acquisition by channel, July 1, 2024 – June 30, 2025" in body
    assert "IDR 216,667" in body  # the rep's CAC
    assert "IDR 233,333" not in body and "IDR 400,000</div>" not in body


def test_the_funnel_counts_who_reached_each_stage_and_its_conversion_is_a_share():
    rep = user_make("rep-f")
    run = run_make()
    # (current stage, stage history, purchases): the furthest stage each reached is in brackets
    customers = [
        ("reaching", (), ()),  # (reaching)
        ("acquisition", ("reaching",), ()),  # (acquisition)
        ("conversion", (), ("100",)),  # (conversion)
        ("retention", ("conversion",), ("100", "100")),  # (retention)
        ("lapsed", ("conversion", "retention"), ("100", "100")),  # (retention)
        ("lost", (), ("100",)),  # (conversion: it has bought)
        ("inspiration", (), ("100", "100", "100")),  # (inspiration)
        ("lapsed", ("retention", "inspiration"), ("100", "100")),  # (inspiration)
        ("retention", (), ("100", "100")),  # (retention)
        ("lapsed", (), ("100", "100")),  # (retention: it bought again)
        ("lost", (), ("100", "-100")),  # (conversion: a refund is no purchase)
    ]
    for i, (stage, history, amounts) in enumerate(customers):
        c = customer_make(owner=rep)
        score_make(c, stage=stage, run=run)
        for k, earlier in enumerate((*history, stage)):
            stage_change_make(c, on=AS_OF - timedelta(days=300 - 30 * k - i), to=earlier)
        for k, amount in enumerate(amounts):
            order_make(c, at=END - timedelta(days=400 - 50 * k), amount=amount, lines=0)
    other = customer_make(owner=user_make("rep-g"))  # another rep's: not in rep-f's funnel
    score_make(other, stage="inspiration", run=run)
    dashboard_facts_store(run=run)
    funnel = {row.stage: row for row in dashboard_summary(user=rep).funnel}
    reached = {stage: row.reached for stage, row in funnel.items()}
    assert reached == {"reaching": 11, "acquisition": 10, "conversion": 9, "retention": 6,
                       "inspiration": 2}
    conversion = [row.conversion for row in funnel.values()]
    assert conversion[0] is None
    assert conversion[1:] == pytest.approx([10 / 11, 9 / 10, 6 / 9, 2 / 6])
    assert {stage: row.now for stage, row in funnel.items()} == {
        "reaching": 1, "acquisition": 1, "conversion": 1, "retention": 2, "inspiration": 1,
    }
    whole = dashboard_summary(user=user_make("boss", role="manager")).funnel
    assert [row.reached for row in whole] == [12, 11, 10, 7, 3]
    assert all(row.conversion is None or 0 <= row.conversion <= 1 for row in whole)


def _alert(segment: str, customers: list[str]) -> Alert:
    return Alert.objects.create(
        as_of=AS_OF, segment_kind="rfm_segment", segment=segment, metric="orders",
        window_days=30, expected=60, observed=20, change=-2 / 3, p_value=0.001,
        customer_count=120, customers=customers,
    )


def test_a_rep_sees_the_alerts_about_its_customers_with_how_many(client, two_reps):
    run, a, b = two_reps
    a_ids = list(Customer.objects.filter(owner=a).values_list("external_id", flat=True))
    b_ids = list(Customer.objects.filter(owner=b).values_list("external_id", flat=True))
    both = _alert("At Risk", [b_ids[0], a_ids[0], a_ids[1]])
    only_b = _alert("Hibernating", [b_ids[1]])
    _alert("Lost", [])
    dashboard_facts_store(run=run)
    mine = dashboard_summary(user=a).alerts
    assert [(row.alert.pk, row.yours) for row in mine] == [(both.pk, 2)]
    theirs = {row.alert.pk: row.yours for row in dashboard_summary(user=b).alerts}
    assert theirs == {both.pk: 1, only_b.pk: 1}
    everyone = dashboard_summary(user=user_make("boss", role="manager")).alerts
    assert len(everyone) == 3 and {row.yours for row in everyone} == {None}
    client.force_login(a)
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 of your customers behind it" in body and "Hibernating" not in body


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "1 customer with a CLV below 1 is not drawn."),
        ("it", "1 cliente con CLV inferiore a 1 non è disegnato."),
    ],
)
def test_one_customer_below_the_histogram_is_one(client, language, sentence):
    run = run_make()
    score_make(customer_make(), clv=0.5, run=run)
    score_make(customer_make(), clv=5000.0, run=run)
    client.force_login(user_make("boss", role="manager"))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert sentence in client.get("/").content.decode()


def test_figures_stored_by_an_older_version_are_computed_again(two_reps):
    run, a, _ = two_reps
    dashboard_facts_store(run=run)
    for row in DashboardFacts.objects.filter(run=run):  # as an older version stored them
        figures = {
            k: v for k, v in row.facts["figures"].items() if k not in ("campaigns", "furthest")
        }
        row.facts = {"as_of": row.facts["as_of"], "marks": row.facts["marks"], "figures": figures}
        row.save()
    assert dashboard_summary(user=a).cac == pytest.approx(650_000 / 3)


def test_a_reps_alerts_are_found_in_batches(two_reps, monkeypatch):
    run, a, _ = two_reps
    monkeypatch.setattr(dashboard, "ID_BATCH", 2)
    ids = list(Customer.objects.order_by("external_id").values_list("external_id", flat=True))
    alert = _alert("At Risk", ids)
    yours = Customer.objects.filter(owner=a).count()
    dashboard_facts_store(run=run)
    assert [(row.alert.pk, row.yours) for row in dashboard_summary(user=a).alerts] == [
        (alert.pk, yours)
    ]
