"""The acquisition page: figures of a hand-made business, the same as `daur kpi`, per role."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from daur import cli
from daur.campaigns.models import Campaign
from daur.leads.models import Lead, LeadStageChange
from tests.insights.factories import customer, moment, order, score
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db
YEAR = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
URL = "/acquisition/"


@pytest.fixture(autouse=True)
def rates():
    with override_settings(DAUR_DEFAULT_CURRENCY="IDR", DAUR_EXCHANGE_RATES={"EUR": 10.0}):
        yield


def lead(name: str, source: str, owner, moves: list[tuple[str, str, float]]) -> Lead:  # noqa: ANN001
    """A lead created on 2026-01-05 and moved (from, to, days after its creation)."""
    created = moment("2026-01-05")
    final = moves[-1][1] if moves else "new"
    made = Lead.objects.create(
        external_id=name, name=name, source=source, owner=owner, created_at=created, stage=final
    )
    for frm, to, days in moves:
        LeadStageChange.objects.create(
            lead=made, from_stage=frm, to_stage=to, changed_at=created + timedelta(days=days)
        )
    return made


@pytest.fixture
def business():
    """An exhibition campaign costing 300 that acquired A and B (a rep's) and C (another's) in
    2026; a website customer without a campaign; three leads of 2026."""
    rep = user_make("rep1", role="sales_rep")
    other = user_make("rep2", role="sales_rep")
    expo = Campaign.objects.create(
        external_id="EXPO", name="Expo", channel="exhibition", cost=Decimal("300")
    )
    a = customer("A", "2026-02-01", acquired_via="exhibition", campaign=expo, owner=rep)
    b = customer("B", "2026-03-01", acquired_via="exhibition", campaign=expo, owner=rep)
    customer("C", "2026-04-01", acquired_via="exhibition", campaign=expo, owner=other)
    customer("W", "2026-06-01", acquired_via="website", owner=other)
    order(a, "2026-02-02", 100)  # A's first order; A buys again two months later
    order(a, "2026-04-10", 999)
    order(b, "2026-03-05", 5, currency="EUR")  # 50 in the base currency
    score(a, clv_12m=600.0)
    score(b, clv_12m=300.0)
    lead("L1", "referral", rep, [("new", "contacted", 2), ("contacted", "won", 6)])
    lead("L2", "referral", other, [("new", "contacted", 4), ("contacted", "lost", 5)])
    lead("L3", "website", other, [])
    return rep


def page(client, **query):  # noqa: ANN001, ANN201
    response = client.get(URL, {**YEAR, **query})
    assert response.status_code == 200
    return response.context["a"]


def test_the_figures_of_a_hand_made_business(client, business, manager):
    a = page(client)
    assert a.acquisition.acquired == 4
    assert [(m.month.month, m.acquired) for m in a.months if m.acquired] == [
        (2, 1), (3, 1), (4, 1), (6, 1)
    ]
    assert len(a.months) == 12
    assert (a.cost, a.cost_acquired) == (pytest.approx(300.0), 3)
    assert a.cac == pytest.approx(100.0)  # 300 / 3 acquired by the campaign
    assert a.first_order_avg == pytest.approx(75.0)  # (100 + 50) / 2 buyers
    assert a.clv_avg == pytest.approx(450.0)
    assert a.clv_to_cac == pytest.approx(4.5)
    # the lead funnel: 3 leads, 1 won, 1 lost; new left after 2 and 4 days, contacted after 4, 1
    f = a.funnel
    assert (f.leads, f.won, f.lost, f.open, f.win_rate) == (3, 1, 1, 1, 0.5)
    flows = {s.stage: s for s in f.flows}
    assert (flows["new"].left, flows["new"].forward_share, flows["new"].median_days) == (
        2, 1.0, pytest.approx(3.0)
    )
    assert flows["contacted"].forward_share == 0.5
    assert flows["contacted"].median_days == pytest.approx(2.5)
    assert [c.channel for c in a.funnel_by_channel] == ["referral", "website"]
    # cohorts: A (February) bought again in month +2; B (March) did not
    cohorts = {c.month.month: c for c in a.cohorts.cohorts if c.customers}
    assert cohorts[2].retention[:2] == (0.0, 1.0)
    assert cohorts[3].retained[:1] == (0,)
    html = client.get(URL, YEAR).content.decode()
    assert "Exhibition" in html and "IDR 100" in html and "Expo" in html
    assert 'value="2026-01-01"' in html and 'value="2026-12-31"' in html


def test_each_channels_flow_is_its_own_and_one_query_serves_every_channel(
    client, business, manager
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def flow_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            page(client)
        return sum("lag(" in q["sql"].lower() for q in ctx.captured_queries)

    by = {f.channel: {s.stage: s for s in f.flows} for f in page(client).funnel_by_channel}
    assert (by["referral"]["new"].left, by["referral"]["contacted"].left) == (2, 2)
    assert by["referral"]["contacted"].forward == 1
    assert by["referral"]["new"].median_days == pytest.approx(3.0)
    assert all(s.left == 0 and s.median_days is None for s in by["website"].values())
    before = flow_queries()
    lead("L4", "email", None, [("new", "contacted", 1)])
    lead("L5", "exhibition", None, [("new", "lost", 3)])
    by = {f.channel: {s.stage: s for s in f.flows} for f in page(client).funnel_by_channel}
    assert (by["email"]["new"].left, by["email"]["new"].forward) == (1, 1)
    assert (by["exhibition"]["new"].left, by["exhibition"]["new"].forward) == (1, 0)
    assert by["exhibition"]["new"].median_days == pytest.approx(3.0)
    assert flow_queries() == before == 1  # two more channels, no more queries


def test_the_default_period_is_the_12_months_up_to_the_latest_order(client, business, manager):
    a = client.get(URL).context["a"]
    assert (str(a.period.date_from), str(a.period.date_to)) == ("2025-04-11", "2026-04-10")
    assert 'value="2025-04-11"' in client.get(URL).content.decode()


def test_the_same_figures_as_daur_kpi(client, business, manager, capsys):
    a = page(client)
    capsys.readouterr()
    assert cli.main(["kpi", "--from", "2026-01-01", "--to", "2026-12-31", "--json"]) == 0
    kpi = json.loads(capsys.readouterr().out)
    assert kpi["acquisition"]["acquired"] == a.acquisition.acquired
    for key in ("by_channel", "by_campaign"):
        ours = [(r.key, r.acquired, r.cost, r.cac, r.clv_to_cac) for r in getattr(a.acquisition, key)]
        theirs = [
            (r["key"], r["acquired"], r["cost"], r["cac"], r["clv_to_cac"])
            for r in kpi["acquisition"][key]
        ]
        assert ours == theirs
    cohorts = kpi["retention"]["cohorts"]["cohorts"]
    assert [c["customers"] for c in cohorts] == [c.customers for c in a.cohorts.cohorts]


def test_a_channel_filter_narrows_every_figure(client, business, manager):
    a = page(client, channel="website")
    assert a.acquisition.acquired == 1
    assert [r.key for r in a.acquisition.by_channel] == ["website"]
    assert a.cac is None and a.clv_to_cac is None
    assert (a.funnel.leads, a.funnel.won) == (1, 0)


def test_a_sales_rep_sees_their_own_customers_and_leads(client, business):
    client.force_login(business)
    a = page(client)
    assert a.acquisition.acquired == 2
    [expo] = [r for r in a.acquisition.by_campaign if r.key == "EXPO"]
    assert (expo.cost, expo.cost_acquired, expo.cac) == (pytest.approx(200.0), 2, 100.0)
    assert a.cac == pytest.approx(100.0)
    assert (a.funnel.leads, a.funnel.won) == (1, 1)
    assert sum(c.customers for c in a.cohorts.cohorts) == 2


@pytest.mark.parametrize("role", ["marketer", "admin"])
def test_marketers_and_admins_see_everything(client, business, role):
    client.force_login(user_make("u-" + role, role=role))
    assert page(client).acquisition.acquired == 4


def test_support_agents_are_refused_and_visitors_sent_to_log_in(client, business):
    assert client.get(URL).status_code == 302
    client.force_login(user_make("agent", role="support_agent"))
    assert client.get(URL).status_code == 403


def test_an_empty_base_says_so(client, manager):
    response = client.get(URL)
    assert response.status_code == 200
    a = response.context["a"]
    assert a.empty and a.cac is None and a.clv_to_cac is None and a.funnel.win_rate is None
    assert "No customer acquired and no lead created in this period." in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-13-45"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
        {"date_from": "1900-01-01", "date_to": "2026-01-01"},
        {"date_from": "2026-12-31", "date_to": "2026-01-01"},
        {"date_from": "2999-01-01"},
        {"channel": "<script>alert(1)</script>"},
        {"channel": ["website", "referral"], "date_to": "x' OR 1=1 --"},
        {"date_from": "\x00", "channel": "\u202e"},
    ],
)
def test_hostile_query_strings_fall_back_to_defaults(client, business, manager, query):
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response.context["a"].period.days <= 3653
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_the_navigation_links_the_page_for_who_may_open_it(client, business, manager):
    assert reverse("web:acquisition") == URL
    assert f'href="{URL}"' in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [("it", ("Coorti di acquisizione", "Canale", "Esposizione")),
     ("id", ("Kohort akuisisi", "Kanal", "Pameran"))],
)
def test_the_page_speaks_the_users_language(client, business, manager, language, words):
    client.cookies["django_language"] = language
    html = client.get(URL, YEAR).content.decode()
    for word in words:
        assert word in html
    assert "Acquisition cohorts" not in html and "exhibition<" not in html
