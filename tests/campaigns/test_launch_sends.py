"""A launch puts the treated members' e-mails in the outbox in the same transaction (the
hold-out gets none, the opted-out and those without an address are skipped with the reason),
and they go out through a real SMTP server with their coupon and unsubscribe link."""

from __future__ import annotations

import csv
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from daur.actions.campaigns import campaign_create, campaign_launch
from daur.actions.mail import consent_set
from daur.actions.mail_send import emails_send
from daur.campaigns.models import CampaignMember
from daur.engagement.models import OutboundEmail
from daur.interchange.exporter import export_file
from daur.jobs import emails_dispatch
from tests.campaigns.conftest import LAUNCH
from tests.mail.smtp_sink import REFUSED_DOMAIN

pytestmark = pytest.mark.django_db


def test_a_launch_queues_the_treated_and_skips_who_cannot_receive(base):
    opted_out, no_address = base["customers"][0], base["customers"][1]
    consent_set(customer_id=opted_out.pk, status="opted_out", source="staff")
    no_address.email = ""
    no_address.save()
    campaign = campaign_create(
        name="Coupons", segment=base["segment"], offer="coupon", discount_percent="10",
        holdout=0.2,
    )
    launched = campaign_launch(campaign, seed="s")
    treated = set(campaign.members.filter(group="treated").values_list("customer_id", flat=True))
    mail = OutboundEmail.objects.filter(source=f"campaign:{campaign.pk}")
    assert set(mail.values_list("customer_id", flat=True)) == treated
    skipped = set(mail.filter(status="skipped").values_list("customer_id", flat=True))
    assert skipped == treated & {opted_out.pk, no_address.pk}
    assert launched.emails_queued == len(treated) - len(skipped)
    assert launched.emails_skipped == len(skipped)


def test_a_recorded_launch_and_a_non_mail_offer_queue_nothing(base):
    old = campaign_create(name="Old", segment=base["segment"], offer="newsletter")
    assert campaign_launch(old, seed="o", at=LAUNCH).emails_queued == 0
    assert not OutboundEmail.objects.exists()


def test_the_launch_e_mail_goes_out_once_over_smtp_with_coupon_and_unsubscribe(base, smtp):
    campaign = campaign_create(
        name="Ten off", segment=base["segment"], offer="coupon", discount_percent="10",
        holdout=0.5, texts={"en": ("Hi {name}", "Your code: {coupon_code}")},
    )
    launched = campaign_launch(campaign, seed="smtp")
    first = emails_dispatch()
    again = emails_dispatch()
    assert first["sent"] == launched.emails_queued and again["sent"] == 0
    assert len(smtp.messages) == launched.emails_queued
    codes = set(campaign.members.filter(group="treated").values_list("coupon_code", flat=True))
    for message in smtp.messages:
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert any(code in body for code in codes)
        assert message["List-Unsubscribe"].strip().startswith("<https://crm.example.com/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_member_export_carries_when_each_e_mail_was_sent(base, smtp, tmp_path):
    no_address = base["customers"][2]
    no_address.email = ""
    no_address.save()
    campaign = campaign_create(
        name="Sent", segment=base["segment"], offer="newsletter", holdout=0.3
    )
    campaign_launch(campaign, seed="sent")
    path = tmp_path / "members.csv"
    export_file(kind="campaign_members", path=str(path))
    before = {r["customer_id"]: r for r in csv.DictReader(path.open())}
    assert before and all(r["sent_at"] == "" for r in before.values())
    emails_dispatch()
    export_file(kind="campaign_members", path=str(path))
    rows = {r["customer_id"]: r for r in csv.DictReader(path.open())}
    sent = {
        m.customer.external_id: m.sent_at
        for m in OutboundEmail.objects.filter(status="sent").select_related("customer")
    }
    assert len(sent) == len(smtp.messages) > 0
    zone = ZoneInfo(settings.TIME_ZONE)
    for external_id, row in rows.items():
        if external_id in sent:
            assert row["group"] == "treated"
            assert datetime.fromisoformat(row["sent_at"]) == sent[external_id].astimezone(zone)
        else:  # the hold-out, and the treated member without an address
            assert row["sent_at"] == ""
            assert row["group"] == "holdout" or external_id == no_address.external_id
    assert no_address.external_id in rows


def test_sending_writes_the_moment_on_each_member(base, smtp):
    campaign = campaign_create(
        name="Moments", segment=base["segment"], offer="newsletter", holdout=0.2
    )
    campaign_launch(campaign, seed="moments")
    other = campaign_create(name="Other", segment=base["segment"], offer="newsletter")
    campaign_launch(other, seed="other")
    members = CampaignMember.objects.filter(campaign=campaign)
    assert not members.filter(sent_at__isnull=False).exists()  # queued is not sent
    mail = OutboundEmail.objects.filter(source=f"campaign:{campaign.pk}")
    refused, opted_out = mail.order_by("pk")[:2]  # two treated members' messages
    refused.to_address = f"nobody@{REFUSED_DOMAIN}"
    refused.save()
    consent_set(customer_id=opted_out.customer_id, status="opted_out", source="staff")
    emails_send(ids=list(mail.values_list("pk", flat=True)))  # this campaign's messages only
    sent = dict(mail.filter(status="sent").values_list("customer_id", "sent_at"))
    assert len(sent) == len(smtp.messages) == members.filter(group="treated").count() - 2
    moments = dict(members.values_list("customer_id", "sent_at"))
    assert {c for c, m in moments.items() if m is not None} == set(sent)
    for customer_id, moment in sent.items():
        assert moments[customer_id] == moment
    assert moments[refused.customer_id] is None and moments[opted_out.customer_id] is None
    assert members.filter(group="holdout").exists()
    # the same customers in the other campaign: its messages are still queued, its members unsent
    assert not CampaignMember.objects.filter(campaign=other, sent_at__isnull=False).exists()
