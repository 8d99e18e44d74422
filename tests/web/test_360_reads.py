"""The 360 page's timeline (every kind, paging, the stage history), its connections (referrer,
campaign, consumers, referrals) and the list rows, read with plain SQL on both databases."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from daur.campaigns.models import Campaign
from daur.customers.models import Consumer
from daur.customers.selectors import CustomerFilters, customer_connections, customer_list
from daur.customers.timeline import TimelinePosition, customer_timeline
from daur.engagement.models import Interaction
from daur.servicedesk.models import Ticket
from daur.surveys.models import SurveyAnswer
from daur.web.customer_rows import customer_rows
from daur.web.timeline_rows import timeline_rows_html
from tests.web.factories import (
    customer_make,
    order_make,
    score_make,
    stage_change_make,
    user_make,
)

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script>"


def at(day: int, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(2025, 3, day, hour))


@pytest.fixture
def history(manager):
    """One customer with one event of every kind on known days (newest: the survey)."""
    customer = customer_make("Rina")
    order = order_make(
        customer, at=at(1), amount="250000", lines=2, discount_amount=Decimal("5000"),
        coupon_code="HEMAT", channel="web",
    )
    Interaction.objects.create(
        customer=customer, kind="call", occurred_at=at(2), channel="phone", user=manager,
        note=HOSTILE, natural_key="k1",
    )
    Ticket.objects.create(
        external_id="T1", customer=customer, kind="complaint", opened_at=at(3),
        status="in_progress", satisfaction=4,
    )
    stage_change_make(customer, on=date(2025, 3, 4), to="retention", frm="conversion")
    SurveyAnswer.objects.create(customer=customer, answered_at=at(5), nps=9, comment="Great")
    return customer, order


def test_every_kind_comes_newest_first_with_its_fields(history, manager):
    customer, order = history
    timeline = customer_timeline(customer_id=customer.pk)
    assert [e.kind for e in timeline.events] == [
        "survey", "stage_change", "ticket", "interaction", "order",
    ]
    survey, change, ticket, interaction, first = (e.record for e in timeline.events)
    assert (survey.nps, survey.comment) == (9, "Great")
    assert (change.from_stage, change.to_stage, change.regained) == (
        "conversion", "retention", False,
    )
    assert (ticket.external_id, ticket.get_kind_display(), ticket.get_status_display()) == (
        "T1", "Complaint", "In progress",
    )
    assert (interaction.get_kind_display(), interaction.user_name) == ("Call", manager.username)
    assert (first.external_id, first.amount, first.currency) == (
        order.external_id, Decimal("250000"), "IDR",
    )
    assert (first.discount_amount, first.coupon_code, first.channel) == (
        Decimal("5000"), "HEMAT", "web",
    )
    assert sorted(line.product_name for line in first.lines) == sorted(
        line.product.name for line in order.lines.all()
    )
    assert all(e.at.tzinfo is not None for e in timeline.events)
    assert timeline.events[0].at == at(5)
    assert timeline.more is None
    assert [c.to_stage for c in timeline.stage_history] == ["retention"]


def test_the_rows_are_escaped_and_formatted_per_language(history):
    customer, _ = history
    html = timeline_rows_html(customer_timeline(customer_id=customer.pk))
    assert HOSTILE not in html and "&lt;script&gt;" in html
    assert "IDR 250,000" in html and "coupon HEMAT" in html and "satisfaction 4/5" in html
    assert "Conversion → Retention" in html
    with translation.override("it"):
        html = timeline_rows_html(customer_timeline(customer_id=customer.pk))
    assert "IDR 250.000" in html and "Conversione" in html


def test_pages_follow_each_other_without_gaps_or_repeats(manager):
    customer = customer_make("Busy")
    start = at(1, 9)
    for i in range(45):
        order_make(customer, at=start + timedelta(hours=i), lines=0)
    for day in (1, 2):
        stage_change_make(customer, on=date(2025, 3, day), to="retention", frm="conversion")
    seen, before = [], None
    while True:
        page = customer_timeline(customer_id=customer.pk, before=before, limit=10)
        seen += [(e.kind, e.at) for e in page.events]
        # The stage history comes with the first page only.
        assert bool(page.stage_history) == (before is None)
        if page.more is None:
            break
        before = TimelinePosition.parse(page.more.token())
    assert len(seen) == len(set(seen)) == 47
    assert [moment for _, moment in seen] == sorted((moment for _, moment in seen), reverse=True)


def test_the_stage_history_keeps_the_newest_twenty(manager):
    customer = customer_make("Mover")
    for i in range(25):
        stage_change_make(customer, on=date(2024, 1, 1) + timedelta(days=i), to="retention")
    history = customer_timeline(customer_id=customer.pk).stage_history
    assert len(history) == 20
    assert history[0].changed_on == date(2024, 1, 25)
    assert history[-1].changed_on == date(2024, 1, 6)


def test_people_follow_the_role_rule():
    rep, other = user_make("rep1"), user_make("rep2")
    manager = user_make("boss", role="manager")
    customer = customer_make("Referrer", owner=rep)
    mine = customer_make("Mine", owner=rep, referred_by=customer)
    score_make(mine, stage="conversion")
    customer_make("Theirs", owner=other, referred_by=customer)
    Consumer.objects.create(customer=customer, name="Sari", relation="daughter")
    seen_by_rep = customer_connections(user=rep, customer=customer)
    assert seen_by_rep.consumers == [("Sari", "daughter")]
    assert [(r.name, r.lifecycle_stage) for r in seen_by_rep.referrals] == [
        ("Mine", "conversion")
    ]
    seen_by_manager = customer_connections(user=manager, customer=customer)
    assert sorted(r.name for r in seen_by_manager.referrals) == ["Mine", "Theirs"]
    inactive = user_make("gone", role="manager", is_active=False)
    assert customer_connections(user=inactive, customer=customer).referrals == []


def test_connections_name_the_referrer_and_the_campaign(client, manager):
    campaign = Campaign.objects.create(
        external_id="K1", name="Ramadan <sale>", channel="email", purpose="acquisition"
    )
    referrer = customer_make("Old friend")
    customer = customer_make("Newcomer", referred_by=referrer, campaign=campaign)
    found = customer_connections(user=manager, customer=customer)
    assert (found.referred_by, found.campaign) == ("Old friend", "Ramadan <sale>")
    assert customer_connections(user=manager, customer=referrer).referred_by == ""
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Old friend" in body and "Ramadan &lt;sale&gt;" in body


def test_a_rep_sees_the_referrers_name_only_when_the_rep_may_open_it(client):
    rep, other = user_make("rep1"), user_make("rep2")
    marketer = user_make("mk", role="marketer")
    theirs = customer_make("Secret Referrer", owner=other)
    mine = customer_make("Open Referrer", owner=rep)
    by_theirs = customer_make("Newcomer", owner=rep, referred_by=theirs)
    by_mine = customer_make("Second", owner=rep, referred_by=mine)
    hidden = customer_connections(user=rep, customer=by_theirs)
    assert (hidden.referred_by, hidden.referred_by_hidden) == ("", True)
    shown = customer_connections(user=rep, customer=by_mine)
    assert (shown.referred_by, shown.referred_by_hidden) == ("Open Referrer", False)
    every = customer_connections(user=marketer, customer=by_theirs)  # marketers see them all
    assert (every.referred_by, every.referred_by_hidden) == ("Secret Referrer", False)
    client.force_login(rep)
    body = client.get(f"/customers/{by_theirs.pk}/").content.decode()
    assert "Secret Referrer" not in body and "another customer" in body
    assert "Open Referrer" in client.get(f"/customers/{by_mine.pk}/").content.decode()


def test_list_rows_show_owner_names_and_blank_scores(manager):
    rep = user_make("rep7", first_name="Dewi", last_name="Lestari")
    scored = customer_make("Aa scored", owner=rep, city="Bandung", country="ID")
    score_make(scored, types=("loyal", "discount"), p_alive=0.5, clv=1_234_567.0)
    customer_make("Ab unscored")
    page = customer_list(user=manager, filters=CustomerFilters())
    rows = {r.name: r for r in customer_rows(page.customers, currency="IDR")}
    assert rows["Aa scored"].owner == "Dewi Lestari"
    assert rows["Aa scored"].market == "Bandung, ID"
    assert rows["Aa scored"].types == ["Loyal", "Discount-driven"]
    assert (rows["Aa scored"].p_alive, rows["Aa scored"].clv) == ("0.50", "IDR 1,234,567")
    blank = rows["Ab unscored"]
    assert (blank.stage, blank.types, blank.p_alive, blank.clv, blank.owner) == (
        "", [], "–", "–", "–",
    )


def test_events_at_the_same_moment_page_without_loss(manager, client):
    """Orders imported with a date only all fall on midnight, like that day's stage change."""
    customer = customer_make("Same day")
    midnight = timezone.make_aware(datetime(2025, 3, 2))
    for _ in range(35):
        order_make(customer, at=midnight, lines=0)
    stage_change_make(customer, on=date(2025, 3, 2), to="retention", frm="conversion")
    ids, before, pages = [], None, 0
    while True:
        page = customer_timeline(customer_id=customer.pk, before=before, limit=10)
        ids += [(e.kind, e.id) for e in page.events]
        pages += 1
        if page.more is None:
            break
        before = page.more
    assert len(ids) == len(set(ids)) == 36 and pages == 4
    assert ids[-1][0] == "stage_change"  # the day's start, after the orders of that moment
    # The page's "Show more" link carries the position through the URL.
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    more = body.split('hx-get="')[-1].split('"')[0].replace("&amp;", "&")
    assert client.get(more).content.decode().count("<tr") == 6  # 36 events, 30 a page
    assert client.get(f"/customers/{customer.pk}/timeline/?before=junk").status_code == 200


def test_stage_change_days_do_not_depend_on_the_servers_date_style(manager):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: its DateStyle setting")
    customer = customer_make("Styled")
    stage_change_make(customer, on=date(2025, 3, 4), to="retention", frm="conversion")
    with connection.cursor() as cursor:
        cursor.execute("SET DateStyle = 'SQL, DMY'")
        try:
            history = customer_timeline(customer_id=customer.pk).stage_history
        finally:
            cursor.execute("SET DateStyle = 'ISO, MDY'")
    assert [change.changed_on for change in history] == [date(2025, 3, 4)]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("it", ("Id cliente", "Segnalato da", "CLV a 12 mesi", "IDR 1.000.000", "coupon")),
        ("id", ("Id pelanggan", "Direferensikan oleh", "CLV 12 bulan", "IDR 1.000.000", "kupon")),
    ],
)
def test_the_cards_and_timeline_written_in_python_are_translated(client, manager, language, words):
    customer = customer_make("Bahasa")
    score_make(customer)
    order_make(customer, lines=0, coupon_code="HEMAT")
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    for word in words:
        assert word in body, word
