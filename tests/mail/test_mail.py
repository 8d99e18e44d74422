"""The mailer: queueing is idempotent per key and skips who cannot be e-mailed; sending goes
through a real SMTP server with the one-click unsubscribe headers, at most once per message, and
a refused recipient is failed with the server's reason."""

from __future__ import annotations

import numpy as np
import pytest
from django.urls import reverse

from daur.actions.mail import (
    DraftsRefused,
    TokenRefused,
    consent_set,
    emails_queue,
    unsubscribe,
    unsubscribe_target,
    unsubscribe_token,
)
from daur.config.celery import app as celery_app
from daur.engagement.models import EmailConsent, EmailConsentChange, OutboundEmail
from daur.jobs import emails_send
from tests.mail.smtp_sink import REFUSED_DOMAIN
from tests.web.factories import customer_make

pytestmark = pytest.mark.django_db


def draft(customer, key: str = "", **fields) -> dict:  # noqa: ANN001
    return {
        "key": key or f"test:{customer.pk}",
        "customer_id": customer.pk,
        "subject": fields.pop("subject", "Our new season"),
        "body": fields.pop("body", "Dear customer,\nthe new season is here."),
        "language": fields.pop("language", ""),
        "source": fields.pop("source", "newsletter:1"),
    }


def test_queueing_twice_with_the_same_keys_writes_nothing_new():
    customers = [customer_make(email=f"c{i}@shop.example") for i in range(3)]
    # Customer ids as an array of numbers gives them (numpy's integers) are taken too.
    first = emails_queue([draft(c) | {"customer_id": np.int64(c.pk)} for c in customers])
    assert (first.queued, first.existing, len(first.ids)) == (3, 0, 3)
    again = emails_queue([draft(c, subject="Changed") for c in customers])
    assert (again.queued, again.existing, again.ids) == (0, 3, [])
    assert OutboundEmail.objects.count() == 3
    assert set(OutboundEmail.objects.values_list("subject", flat=True)) == {"Our new season"}


def test_no_address_and_opted_out_are_skipped_with_their_reason():
    without = customer_make(email="")
    out = customer_make(email="out@shop.example")
    unticked = customer_make(email="unticked@shop.example", email_consent=False)
    fine = customer_make(email="fine@shop.example", language="it")
    consent_set(customer_id=out.pk, status="opted_out", source="staff")
    result = emails_queue([draft(c) for c in (without, out, unticked, fine)])
    assert result.queued == 1
    assert result.skipped == {"no_email": 1, "opted_out": 2}
    rows = {e.customer_id: e for e in OutboundEmail.objects.all()}
    assert (rows[without.pk].status, rows[without.pk].reason) == ("skipped", "no_email")
    assert (rows[out.pk].status, rows[out.pk].reason) == ("skipped", "opted_out")
    assert rows[fine.pk].status == "queued"
    assert rows[fine.pk].language == "it"  # the customer's, the draft naming none
    assert rows[without.pk].language == "en"  # the business's


def test_a_bad_draft_refuses_the_whole_call_naming_it():
    customer = customer_make(email="a@shop.example")
    drafts = [draft(customer), draft(customer, key="x:2") | {"customer_id": 987654}]
    drafts.append({"key": "", "customer_id": customer.pk, "subject": "s", "body": ""})
    with pytest.raises(DraftsRefused) as refused:
        emails_queue(drafts)
    assert refused.value.problems == ["draft 3, field key: missing"]
    with pytest.raises(DraftsRefused) as refused:
        emails_queue(drafts[:2])
    assert refused.value.problems == ["draft 2, field customer_id: no customer 987654"]
    with pytest.raises(DraftsRefused, match="draft 1, field language: 'fr'"):
        emails_queue([draft(customer, language="fr")])
    with pytest.raises(DraftsRefused, match="draft 1, field customer_id: not a whole number"):
        emails_queue([draft(customer) | {"customer_id": "12"}])
    with pytest.raises(DraftsRefused, match="draft 1: unknown fields body_html"):
        emails_queue([draft(customer) | {"body_html": "<p>"}])
    assert not OutboundEmail.objects.exists()


def test_sent_through_smtp_with_the_one_click_headers_and_a_working_link(smtp, client):
    customer = customer_make("Sari", email="sari@shop.example", language="id")
    emails_queue([draft(customer)])
    assert celery_app.conf.task_always_eager  # the embedded default: in-process
    outcome = emails_send()  # the task, in-process
    assert outcome["sent"] == 1 and outcome["ok"]
    (message,) = smtp.messages
    email = OutboundEmail.objects.get()
    assert email.status == "sent" and email.sent_at is not None and email.attempts == 1
    assert message["To"] == "sari@shop.example"
    assert message["Subject"] == "Our new season"
    link = message["List-Unsubscribe"].strip().removeprefix("<").removesuffix(">")
    assert link.startswith("https://crm.example.com/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_content()
    assert "the new season is here." in text
    assert f"Berhenti berlangganan dengan satu klik: {link}" in text  # Indonesian footer
    path = link.removeprefix("https://crm.example.com")
    page = client.get(path)
    assert page.status_code == 200 and "Berhenti" in page.content.decode()
    # The mail client's one-click POST (RFC 8058): no session, no CSRF token.
    posted = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert posted.status_code == 200
    assert EmailConsent.objects.get(customer=customer).status == "opted_out"
    # Nothing is sent to that customer afterwards.
    emails_queue([draft(customer, key="later:1")])
    assert emails_send()["sent"] == 0
    assert len(smtp.messages) == 1


def test_send_called_twice_sends_each_message_once(smtp):
    customers = [customer_make(email=f"c{i}@shop.example") for i in range(5)]
    result = emails_queue([draft(c) for c in customers])
    assert emails_send(result.ids)["sent"] == 5
    assert emails_send(result.ids)["sent"] == 0
    assert emails_send()["sent"] == 0
    assert len(smtp.messages) == 5


def test_a_recipient_refused_by_the_server_is_failed_with_its_reason_and_not_retried(smtp):
    good = customer_make(email="good@shop.example")
    bad = customer_make(email=f"nobody@{REFUSED_DOMAIN}")
    emails_queue([draft(bad), draft(good)])
    outcome = emails_send()
    assert (outcome["sent"], outcome["failed"]) == (1, 1)
    failed = OutboundEmail.objects.get(customer=bad)
    assert failed.status == "failed"
    assert failed.reason.startswith("550 5.1.1") and "User unknown" in failed.reason
    assert failed.sent_at is None
    assert emails_send()["failed"] == 0  # not tried again
    assert [m["To"] for m in smtp.messages] == ["good@shop.example"]


def test_the_server_unreachable_leaves_the_messages_queued(settings):
    from tests.mail.smtp_sink import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    customer = customer_make(email="c@shop.example")
    emails_queue([draft(customer)])
    outcome = emails_send()
    assert not outcome["ok"] and outcome["requeued"] == 1 and "Connection" in outcome["error"]
    assert OutboundEmail.objects.get().status == "queued"


def test_opting_out_after_queueing_skips_the_queued_message(smtp):
    customer = customer_make(email="c@shop.example")
    emails_queue([draft(customer)])
    consent_set(customer_id=customer.pk, status="opted_out", source="staff")
    assert emails_send()["sent"] == 0
    assert OutboundEmail.objects.get().status == "skipped"
    assert smtp.messages == []


def test_a_tampered_token_is_refused_and_a_reused_one_changes_nothing():
    customer = customer_make(email="c@shop.example")
    emails_queue([draft(customer)])
    email = OutboundEmail.objects.get()
    token = unsubscribe_token(email)
    with pytest.raises(TokenRefused):
        unsubscribe_target(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert unsubscribe(token) is True
    assert unsubscribe(token) is False
    change = EmailConsentChange.objects.get()
    assert (change.old_status, change.new_status, change.source, change.email_id) == (
        "unknown", "opted_out", "unsubscribe", email.pk,
    )
    customer.refresh_from_db()
    assert customer.email_consent is False


def test_the_unsubscribe_page_tampered_reused_and_in_the_customers_language(client):
    customer = customer_make(email="c@shop.example", language="it")
    emails_queue([draft(customer)])
    token = unsubscribe_token(OutboundEmail.objects.get())
    url = reverse("web:unsubscribe", kwargs={"token": token})
    tampered = client.get(url.replace(token, token[:-3] + "xyz"))
    assert tampered.status_code == 400
    assert "not valid" in tampered.content.decode()
    ask = client.get(url).content.decode()
    assert "Annulla l&#x27;iscrizione" in ask or "Annullami" in ask or 'lang="it"' in ask
    assert client.post(url).status_code == 200
    again = client.post(url)
    assert again.status_code == 200
    assert EmailConsentChange.objects.count() == 1
    assert client.get(url).context["state"] == "already"


def test_staff_record_consent_with_history(client):
    from tests.web.factories import user_make

    boss = user_make("boss", role="manager")
    customer = customer_make(email="c@shop.example")
    client.force_login(boss)
    url = reverse("web:customer_consent", args=[customer.pk])
    client.post(url, {"status": "opted_in"})
    client.post(url, {"status": "opted_in"})  # the same again: nothing recorded
    client.post(url, {"status": "opted_out"})
    changes = list(EmailConsentChange.objects.order_by("pk").values_list(
        "old_status", "new_status", "source", "user_id"))
    assert changes == [
        ("unknown", "opted_in", "staff", boss.pk), ("opted_in", "opted_out", "staff", boss.pk),
    ]
    page = client.get(reverse("web:customer", args=[customer.pk])).content.decode()
    assert "Record opt-out" in page and "Staff edit" in page
    assert client.post(url, {"status": "bogus"}).status_code == 302
    # Marketers and support agents read the customer, they do not record its consent; another
    # rep's customer is not found.
    for role in ("marketer", "support_agent", "sales_rep"):
        client.force_login(user_make(role, role=role))
        assert client.post(url, {"status": "opted_in"}).status_code == (
            404 if role == "sales_rep" else 403
        )
        assert "Record opt-out" not in client.get(
            reverse("web:customer", args=[customer.pk])
        ).content.decode()
    assert EmailConsentChange.objects.count() == 2


def test_a_deferred_recipient_waits_for_the_next_run_and_fails_after_three_attempts(smtp):
    from tests.mail.smtp_sink import DEFERRED_DOMAIN

    customer = customer_make(email=f"later@{DEFERRED_DOMAIN}")
    emails_queue([draft(customer)])
    for attempt in (1, 2):
        outcome = emails_send()
        assert (outcome["requeued"], outcome["sent"]) == (1, 0)  # one try per run
        email = OutboundEmail.objects.get()
        assert (email.status, email.attempts) == ("queued", attempt)
        assert email.reason.startswith("451 4.7.1")
    assert emails_send()["failed"] == 1
    email = OutboundEmail.objects.get()
    assert (email.status, email.attempts) == ("failed", 3)
    assert smtp.messages == []
