"""The customer form: its e-mail language is the one the messages are written in, and unticking
the consent box is an opt-out recorded with who made it (ticking it again, an opt-in)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from daur.actions.mail import emails_queue
from daur.engagement.models import EmailConsent, EmailConsentChange, OutboundEmail
from tests.web.factories import customer_make, user_make
from tests.web.test_customer_edit import _edit_data

pytestmark = pytest.mark.django_db


def test_the_form_sets_the_language_and_records_consent_changes(client):
    boss = user_make("boss", role="manager")
    client.force_login(boss)
    customer = customer_make("Toko", email="toko@shop.example")
    url = reverse("web:customer_edit", args=[customer.pk])
    data = _edit_data(customer, client, language="id")
    data.pop("email_consent")  # unticked
    assert client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert (customer.language, customer.email_consent) == ("id", False)
    assert EmailConsent.objects.get(customer=customer).status == "opted_out"
    emails_queue([{"key": "k1", "customer_id": customer.pk, "subject": "s", "body": "b"}])
    assert OutboundEmail.objects.get().status == "skipped"
    data = _edit_data(customer, client, email_consent="on")
    assert client.post(url, data).status_code == 302
    changes = list(
        EmailConsentChange.objects.order_by("pk").values_list("new_status", "source", "user_id")
    )
    assert changes == [("opted_out", "staff", boss.pk), ("opted_in", "staff", boss.pk)]
    emails_queue([{"key": "k2", "customer_id": customer.pk, "subject": "s", "body": "b"}])
    assert OutboundEmail.objects.get(key="k2").language == "id"
    assert OutboundEmail.objects.get(key="k2").status == "queued"


def test_a_bad_language_on_the_form_is_refused_next_to_it(client):
    client.force_login(user_make("boss", role="manager"))
    customer = customer_make("Toko", email="toko@shop.example")
    url = reverse("web:customer_edit", args=[customer.pk])
    response = client.post(url, _edit_data(customer, client, language="fr"))
    assert response.status_code == 400  # the form again, its refusals said in place
    assert "language" in response.context["form"].errors
    customer.refresh_from_db()
    assert customer.language == ""
