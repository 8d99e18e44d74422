"""Links that lead on: alerts to their customers, strategies to the list and the export,
contacts to mailto:/tel:, users by their names, channels and dates in the page's language."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.utils import timezone

from daur.insights.models import Alert
from tests.web.factories import customer_make, run_make, score_make, user_make

pytestmark = pytest.mark.django_db


def _alert(run, kind: str, segment: str) -> Alert:
    return Alert.objects.create(
        run=run, as_of=run.as_of, segment_kind=kind, segment=segment, metric="orders",
        window_days=30, expected=20.0, observed=5.0, change=-0.75, p_value=0.001,
        customer_count=12,
    )


def test_an_alert_opens_the_list_of_its_segments_customers(client, manager):
    run = run_make()
    _alert(run, "rfm_segment", "At Risk")
    _alert(run, "type", "discount")
    _alert(run, "market", "Bandung, ID")
    at_risk = customer_make("Risky", city="Bandung", country="ID")
    score_make(at_risk, run=run)
    body = client.get("/").content.decode()
    links = re.findall(r'<a href="(/customers/\?[^"]+)">', body)
    assert "/customers/?segment=At+Risk" in links
    assert "/customers/?type=discount" in links
    market = next(link for link in links if "city=" in link).replace("&amp;", "&")
    assert "country=ID" in market and "city=Bandung" in market
    listed = client.get(market).context["page"].customers
    assert [c.name for c in listed] == ["Risky"]


def test_the_strategy_links_to_its_customers_and_their_export(client, manager):
    customer = customer_make("Keeper")
    score_make(customer, strategy="protect")
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'href="/customers/?strategy=protect"' in body
    assert 'href="/customers/export.csv?strategy=protect"' in body
    agent = user_make("agent", role="support_agent")
    client.force_login(agent)
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'href="/customers/?strategy=protect"' in body
    assert "export.csv" not in body  # support agents do not export


def test_email_and_phone_are_mailto_and_tel_links(client, manager):
    customer = customer_make("Reachable", email="ani@example.com", phone="+62 811-2345")
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    assert '<a href="mailto:ani@example.com">ani@example.com</a>' in body
    assert '<a href="tel:+628112345">+62 811-2345</a>' in body


def test_a_hostile_email_stays_text_in_its_link(client, manager):
    customer = customer_make("X", email='"><script>x</script>@e.com')
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "<script>x</script>" not in body


def test_the_timeline_names_users_channels_and_dates_as_the_page_does(client, manager):
    from daur.engagement.models import Interaction
    from daur.sales.models import Order

    staff = user_make("sr01", first_name="Siti", last_name="Rahma")
    customer = customer_make("Timed")
    at = timezone.make_aware(datetime(2026, 10, 31, 10, 0))
    Order.objects.create(customer=customer, external_id="O-1", ordered_at=at, amount=1000,
                         currency="IDR", channel="whatsapp")
    Interaction.objects.create(customer=customer, kind="call", occurred_at=at, channel="phone",
                               user=staff)
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Siti Rahma" in body and "sr01" not in body
    assert "WhatsApp" in body and "whatsapp" not in body.replace('"whatsapp"', "")
    assert "Oct. 31, 2026" in body and "10/31/2026" not in body
    client.cookies["django_language"] = "it"
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "31 Ottobre 2026" in body
