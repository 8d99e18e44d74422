"""KPIs on hand-built businesses: each expected figure is worked out by hand from the data."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from daur import cli
from daur.accounts.models import User
from daur.campaigns.models import Campaign
from daur.engagement.models import Interaction
from daur.insights.kpi_activity import (
    resellers_compute,
    sales_activity_compute,
    service_compute,
)
from daur.insights.kpis import (
    acquisition_compute,
    kpis_compute,
    retention_compute,
    value_compute,
)
from daur.insights.models import StageChange
from daur.insights.period import Period
from daur.leads.models import Lead
from daur.servicedesk.models import Ticket
from daur.surveys.models import SurveyAnswer

from .factories import customer, moment, order, score

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("rates"),
]
YEAR_2026 = Period(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))


@pytest.fixture
def rates():
    with override_settings(DAUR_DEFAULT_CURRENCY="IDR", DAUR_EXCHANGE_RATES={"EUR": 10.0}):
        yield


def test_acquisition_cost_value_and_clv_to_cac_per_campaign_and_channel():
    # Given an exhibition campaign costing 300 that acquired 3 customers in 2026
    expo = Campaign.objects.create(
        external_id="EXPO", name="Expo", channel="exhibition", cost=Decimal("300")
    )
    a = customer("A", "2026-02-01", acquired_via="exhibition", campaign=expo)
    b = customer("B", "2026-03-01", acquired_via="exhibition", campaign=expo)
    customer("C", "2026-04-01", acquired_via="exhibition", campaign=expo)  # never ordered
    order(a, "2026-02-02", 100)  # A's first order
    order(a, "2026-05-02", 999)  # not a first order
    order(b, "2026-03-05", 5, currency="EUR")  # 5 EUR = 50 IDR
    score(a, clv_12m=600.0)
    score(b, clv_12m=300.0)
    # and a web customer of 2025 and one of 2026, no campaign
    customer("OLD", "2025-06-01", acquired_via="website")
    customer("W", "2026-06-01", acquired_via="website")

    acquisition = acquisition_compute(period=YEAR_2026)

    assert acquisition.acquired == 4
    [row] = acquisition.by_campaign[:1]
    assert (row.key, row.acquired, row.buyers) == ("EXPO", 3, 2)
    assert row.cac == pytest.approx(100.0)  # 300 / 3
    assert row.first_order_value == pytest.approx(150.0)  # 100 + 5 x 10
    assert row.predicted_clv == pytest.approx(900.0)
    assert row.clv_to_cac == pytest.approx(4.5)  # mean CLV 450 / CAC 100
    channels = {r.key: r for r in acquisition.by_channel}
    assert channels["exhibition"].cac == pytest.approx(100.0)
    assert channels["website"].acquired == 1 and channels["website"].cac is None
    assert acquisition.by_campaign[-1].key == "" and acquisition.by_campaign[-1].acquired == 1


def test_a_channels_cost_and_cac_cover_the_period_like_its_acquired_count():
    # Given an advertising campaign costing 400 that acquired two customers in 2025 and two in
    # 2026 (100 each), and a free one (no cost) with one customer in 2026
    ads = Campaign.objects.create(
        external_id="ADS", name="Ads", channel="advertising", cost=Decimal("400")
    )
    free = Campaign.objects.create(external_id="FREE", name="Free", channel="advertising")
    for i, day in enumerate(("2025-03-01", "2025-09-01", "2026-02-01", "2026-08-01")):
        customer(f"A{i}", day, acquired_via="advertising", campaign=ads)
    customer("F", "2026-05-01", acquired_via="advertising", campaign=free)

    acquisition = acquisition_compute(period=YEAR_2026)

    [channel] = acquisition.by_channel
    assert channel.acquired == 3  # the period's customers
    assert (channel.cost_acquired, channel.cost) == (2, pytest.approx(200.0))  # 2 x 100
    assert channel.cac == pytest.approx(100.0)
    campaigns = {r.key: r for r in acquisition.by_campaign}
    assert (campaigns["ADS"].cost, campaigns["ADS"].cost_acquired) == (400.0, 4)  # its whole life
    assert campaigns["FREE"].cac is None


def test_retention_from_orders_when_nothing_was_scored():
    # Given: A buys twice in 2026, B once; O bought in 2025 and in 2026; P only in 2025
    a, b, o, p = (customer(x) for x in "ABOP")
    order(a, "2026-03-01", 10)
    order(a, "2026-04-01", 10)
    order(b, "2026-05-01", 10)
    order(b, "2026-06-01", -10)  # a refund is not a purchase
    order(o, "2025-07-01", 10)
    order(o, "2026-07-01", 10)
    order(p, "2025-08-01", 10)

    retention = retention_compute(period=YEAR_2026)

    assert (retention.buyers, retention.repeat_buyers) == (3, 1)
    assert retention.repeat_purchase_rate == pytest.approx(1 / 3)
    # O and P bought in 2025; P did not come back
    assert retention.churn_basis == "orders"
    assert (retention.churn_base, retention.churned) == (2, 1)
    assert retention.churn_rate == pytest.approx(0.5)
    # Active: A, B and O ordered in the 365 days to 2026-12-31
    assert retention.active_basis == "orders" and retention.active_customers == 3
    assert retention.regained == 0


def test_retention_from_scores_and_stage_history():
    x, y, z, w = (customer(n) for n in "XYZW")
    for who, stage in ((x, "retention"), (y, "conversion"), (z, "lapsed"), (w, "reaching")):
        StageChange.objects.create(customer=who, changed_on=date(2025, 12, 1), to_stage=stage)
    StageChange.objects.create(
        customer=x, changed_on=date(2026, 3, 1), from_stage="retention", to_stage="lapsed"
    )
    StageChange.objects.create(
        customer=z,
        changed_on=date(2026, 4, 1),
        from_stage="lapsed",
        to_stage="retention",
        regained=True,
    )
    score(x, p_alive=0.2, lifecycle_stage="lapsed")  # lapsed in March
    score(y, p_alive=0.5, lifecycle_stage="conversion")
    score(z, p_alive=0.9)  # regained: retention

    retention = retention_compute(period=YEAR_2026)

    # X and Y were active on 1 January; X lapsed in March
    assert retention.churn_basis == "stage_changes"
    assert (retention.churn_base, retention.churned, retention.churn_rate) == (2, 1, 0.5)
    assert retention.regained == 1
    # Active (daur.definitions.customers): Y and Z, in an active stage
    assert retention.active_basis == "stages" and retention.active_customers == 2


def test_value_revenue_clv_and_segments():
    a, b, c = customer("A"), customer("B"), customer("C")
    order(a, "2026-01-01", 100, hour=0)  # midnight opening the period counts
    order(a, "2026-12-31", 3, currency="EUR")  # 30
    order(b, "2026-06-01", 50)
    order(b, "2026-06-02", -20)  # refund
    order(c, "2025-12-31", 1000, hour=23)  # before the period
    order(c, "2027-01-01", 1000, hour=0)  # after it
    score(a, rfm_segment="Champions", strategy="enhance", clv_12m=500.0)
    score(b, rfm_segment="Champions", strategy="protect", clv_12m=100.0)
    score(c, rfm_segment="At Risk", strategy="protect", clv_12m=40.0)

    value = value_compute(period=YEAR_2026)

    assert value.revenue == pytest.approx(160.0)  # 100 + 30 + 50 - 20
    assert value.orders == 3
    assert value.predicted_clv == pytest.approx(640.0)
    segments = {s.name: (s.customers, s.predicted_clv) for s in value.rfm_segments}
    assert segments == {"Champions": (2, 600.0), "At Risk": (1, 40.0)}
    strategies = {s.name: (s.customers, s.predicted_clv) for s in value.strategies}
    assert strategies == {"enhance": (1, 500.0), "protect": (2, 140.0)}


def test_service_response_resolution_csat_and_nps():
    who = customer("A")
    opened = moment("2026-05-01")
    for i, (response_h, resolved_h, rating) in enumerate(
        ((1, 24, 5), (2, 48, 4), (10, None, 2), (None, None, None))
    ):
        Ticket.objects.create(
            external_id=f"T{i}",
            customer=who,
            kind="request",
            opened_at=opened,
            first_response_at=None if response_h is None else opened + timedelta(hours=response_h),
            resolved_at=None if resolved_h is None else opened + timedelta(hours=resolved_h),
            satisfaction=rating,
        )
    Ticket.objects.create(
        external_id="OLD",
        customer=who,
        kind="request",
        opened_at=moment("2025-05-01"),
        first_response_at=moment("2025-06-01"),
    )
    for i, nps in enumerate((10, 9, 7, 3)):
        SurveyAnswer.objects.create(customer=who, answered_at=moment(f"2026-0{i + 1}-10"), nps=nps)
    SurveyAnswer.objects.create(customer=who, answered_at=moment("2025-03-01"), nps=0)

    service = service_compute(period=YEAR_2026)

    assert service.tickets_opened == 4
    assert service.first_response.tickets == 3
    assert service.first_response.median_hours == pytest.approx(2.0)
    assert service.first_response.p90_hours == pytest.approx(2 + 0.8 * 8)  # rank 1.8 of 1, 2, 10
    assert service.resolution.median_hours == pytest.approx(36.0)
    assert service.csat_ratings == 3
    assert service.csat_mean == pytest.approx(11 / 3)
    assert service.csat_satisfied_share == pytest.approx(2 / 3)
    assert (service.promoters, service.passives, service.detractors) == (2, 1, 1)
    assert service.nps == pytest.approx(25.0)  # 50 % - 25 %


def test_sales_activity_per_user_leads_and_pipeline():
    rep1 = User.objects.create_user("rep1", role="sales_rep")
    rep2 = User.objects.create_user("rep2", role="sales_rep")
    who = customer("A")
    for i, (user, kind, day) in enumerate(
        (
            (rep1, "call", "2026-02-01"),
            (rep1, "call", "2026-02-02"),
            (rep1, "email", "2026-03-01"),
            (rep2, "meeting", "2026-04-01"),
            (rep2, "meeting", "2025-04-01"),
        )
    ):
        Interaction.objects.create(
            customer=who, user=user, kind=kind, occurred_at=moment(day), natural_key=str(i)
        )

    def lead(n, stage, created, converted=None, value=None):
        Lead.objects.create(
            external_id=f"L{n}",
            name=f"L{n}",
            source="website",
            stage=stage,
            created_at=moment(created),
            converted_at=converted and moment(converted),
            expected_value=value,
            lost_reason="price" if stage == "lost" else "",
        )

    lead(1, "won", "2025-11-01", converted="2026-01-15")  # won in the period
    lead(2, "won", "2026-02-01", converted="2027-01-02")  # won after it
    lead(3, "won", "2026-03-01")  # no conversion date: its creation counts
    lead(4, "lost", "2026-04-01")
    lead(5, "lost", "2025-04-01")  # created before the period
    lead(6, "new", "2026-05-01", value=Decimal("1000"))
    lead(7, "qualified", "2026-05-01", value=Decimal("500"))
    lead(8, "qualified", "2024-05-01", value=Decimal("250"))
    lead(9, "proposal", "2026-05-01")

    sales = sales_activity_compute(period=YEAR_2026)

    users = {u.user: (u.interactions, u.by_kind) for u in sales.interactions}
    assert users == {"rep1": (3, {"call": 2, "email": 1}), "rep2": (1, {"meeting": 1})}
    assert (sales.leads_won, sales.leads_lost) == (2, 1)
    assert sales.win_rate == pytest.approx(2 / 3)
    pipeline = {p.stage: (p.leads, p.expected_value) for p in sales.pipeline}
    assert pipeline == {
        "new": (1, 1000.0),
        "contacted": (0, 0.0),
        "qualified": (2, 750.0),
        "proposal": (1, 0.0),
    }


def test_resellers_revenue_growth_customers_and_rank():
    north = customer("R-N", relationship="intermediary")
    south = customer("R-S", relationship="intermediary")
    a, b, c = customer("A"), customer("B"), customer("C")
    # North: 200 in 2025, 300 in 2026 from two customers -> growth +50 %
    order(a, "2025-03-01", 200, reseller=north)
    order(a, "2026-03-01", 100, reseller=north)
    order(b, "2026-04-01", 200, reseller=north)
    # South: 50 EUR (500) in 2026 from one customer, nothing before
    order(c, "2026-05-01", 20, currency="EUR", reseller=south)
    order(c, "2026-06-01", 30, currency="EUR", reseller=south)
    order(c, "2026-07-01", 999)  # not through a reseller

    resellers = resellers_compute(period=YEAR_2026)

    assert (resellers.previous_from, resellers.previous_to) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
    )
    first, second = resellers.rows
    assert (first.rank, first.reseller_id, first.revenue, first.growth) == (1, "R-S", 500.0, None)
    assert (first.orders, first.customers_served) == (2, 1)
    assert (second.rank, second.reseller_id, second.revenue) == (2, "R-N", 300.0)
    assert second.previous_revenue == pytest.approx(200.0)
    assert second.growth == pytest.approx(0.5)
    assert second.customers_served == 2


def test_default_period_is_the_twelve_months_to_the_latest_order():
    order(customer("A"), "2026-03-15", 10)
    kpis = kpis_compute()
    assert (kpis.period.date_from, kpis.period.date_to) == (date(2025, 3, 16), date(2026, 3, 15))
    with pytest.raises(ValueError, match="after it ends"):
        kpis_compute(date_from=date(2026, 2, 1), date_to=date(2026, 1, 1))


def test_kpi_command_json_and_text(capsys):
    a = customer("A", "2026-02-01", acquired_via="exhibition")
    order(a, "2026-02-02", 100)
    assert cli.main(["kpi", "--from", "2026-01-01", "--to", "2026-12-31", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures) >= {
        "period",
        "base_currency",
        "acquisition",
        "retention",
        "value",
        "service",
        "sales",
        "resellers",
    }
    assert figures["period"] == {"date_from": "2026-01-01", "date_to": "2026-12-31", "days": 365}
    assert figures["value"]["revenue"] == 100.0
    assert cli.main(["kpi", "--from", "2026-01-01", "--to", "2026-12-31"]) == 0
    text = capsys.readouterr().out
    for section in ("ACQUISITION", "RETENTION", "VALUE", "SERVICE", "SALES ACTIVITY", "RESELLERS"):
        assert section in text
    assert cli.main(["kpi", "--from", "2026-13-01"]) == 2
    assert "daur kpi" in capsys.readouterr().err
