"""Merging customers: the duplicate's messages and consent changes move to the kept customer,
whose consent becomes the latest decision (a duplicate's opt-out included, so its address is not
e-mailed again); the undo gives each back its own."""

from __future__ import annotations

import pytest

from daur.actions.customers_merge import customer_merge, customer_merge_undo
from daur.actions.mail import emails_queue, unsubscribe, unsubscribe_token
from daur.customers.models import Customer
from daur.engagement.models import EmailConsent, EmailConsentChange, OutboundEmail
from tests.web.factories import customer_make

pytestmark = pytest.mark.django_db


def test_a_duplicates_opt_out_follows_it_into_the_kept_customer_and_back_on_undo(rescored):
    keep = customer_make("Adi Putra", external_id="K1", email="")
    dup = customer_make("Adi Putra", external_id="D1", email="adi@shop.example")
    emails_queue([{"key": "n:1", "customer_id": dup.pk, "subject": "s", "body": "b"}])
    assert unsubscribe(unsubscribe_token(OutboundEmail.objects.get())) is True

    [merge] = customer_merge(keep_id="K1", duplicate_ids=["D1"])
    keep.refresh_from_db()
    assert (keep.email, keep.email_consent) == ("adi@shop.example", False)
    assert EmailConsent.objects.get(customer=keep).status == "opted_out"
    assert OutboundEmail.objects.get().customer_id == keep.pk
    assert EmailConsentChange.objects.get().customer_id == keep.pk
    queued = emails_queue([{"key": "n:2", "customer_id": keep.pk, "subject": "s", "body": "b"}])
    assert queued.skipped == {"opted_out": 1}

    customer_merge_undo(merge_id=merge.pk)
    keep.refresh_from_db()
    back = Customer.objects.get(external_id="D1")
    assert (keep.email, keep.email_consent) == ("", True)
    assert not EmailConsent.objects.filter(customer=keep).exists()
    assert back.email_consent is False
    assert EmailConsent.objects.get(customer=back).status == "opted_out"
    assert OutboundEmail.objects.get(key="n:1").customer_id == back.pk


def test_two_members_merged_into_one_customer_get_the_campaign_once(rescored, smtp):
    """Both were members of a campaign and each had its message queued; merged, the kept
    customer is e-mailed once (the other skipped as same_source), while another campaign's
    message and a ticket's reply to the same customer still go out."""
    from daur.actions.mail_send import emails_send

    keep = customer_make("Adi Putra", external_id="K1", email="adi@shop.example")
    dup = customer_make("Adi Putra", external_id="D1", email="adi.putra@shop.example")
    drafts = [
        {"key": "campaign:7:member:1", "customer_id": keep.pk, "source": "campaign:7"},
        {"key": "campaign:7:member:2", "customer_id": dup.pk, "source": "campaign:7"},
        {"key": "campaign:8:member:2", "customer_id": dup.pk, "source": "campaign:8"},
        {"key": "ticket:5:reply:1", "customer_id": dup.pk, "source": "ticket:5",
         "transactional": True},
    ]
    emails_queue([{"subject": "s", "body": "b", **d} for d in drafts])
    customer_merge(keep_id="K1", duplicate_ids=["D1"])
    sent = emails_send()
    assert (sent.sent, sent.skipped) == (3, 1)
    skipped = OutboundEmail.objects.get(status="skipped")
    assert (skipped.key, skipped.reason) == ("campaign:7:member:2", "same_source")
    assert len(smtp.messages) == 3
    # Sent already: queued again for the same campaign (a retry, a relaunch), still once.
    emails_queue([{"key": "campaign:7:member:3", "customer_id": keep.pk, "source": "campaign:7",
                   "subject": "s", "body": "b"}])
    assert emails_send().sent == 0 and len(smtp.messages) == 3
