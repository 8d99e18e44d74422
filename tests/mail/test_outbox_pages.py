"""The outbox: every role reads it, a sales rep only their customers' messages; admins, managers
and marketers send the queue, support agents and reps do not; a message opens as sent, with its
unsubscribe link; filters by status and source."""

from __future__ import annotations

import pytest
from django.urls import reverse

from daur.actions.mail import emails_queue
from daur.engagement.models import OutboundEmail
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail(settings):
    settings.DAUR_BASE_URL = "https://crm.example.com"
    rep = user_make("rep", role="sales_rep")
    mine = customer_make("Mine", owner=rep, email="mine@shop.example")
    other = customer_make("Other", email="other@shop.example")
    none = customer_make("Nomail", email="")
    emails_queue([
        {"key": f"k:{c.pk}", "customer_id": c.pk, "subject": f"Hello {c.name}",
         "body": "New arrivals <b>now</b>", "language": "", "source": src}
        for c, src in ((mine, "campaign:1"), (other, "campaign:2"), (none, "campaign:2"))
    ])
    return rep, {e.customer.name: e for e in OutboundEmail.objects.select_related("customer")}


@pytest.mark.parametrize("role", ["admin", "manager", "marketer", "support_agent"])
def test_every_role_but_a_rep_reads_every_message(client, mail, role):
    client.force_login(user_make(role, role=role))
    page = client.get(reverse("web:outbox")).content.decode()
    assert "Hello Mine" in page and "Hello Other" in page
    assert "No e-mail address" in page  # the skip's reason in words, not its code
    can_send = role != "support_agent"
    assert ("Send the queued e-mail now" in page) is can_send
    assert client.post(reverse("web:outbox_send")).status_code == (302 if can_send else 403)


def test_a_sales_rep_sees_only_their_customers_messages(client, mail):
    rep, emails = mail
    client.force_login(rep)
    page = client.get(reverse("web:outbox")).content.decode()
    assert "Hello Mine" in page and "Hello Other" not in page
    assert client.get(reverse("web:outbox_message", args=[emails["Other"].pk])).status_code == 404
    assert client.get(reverse("web:outbox_message", args=[emails["Mine"].pk])).status_code == 200
    assert client.post(reverse("web:outbox_send")).status_code == 403
    assert OutboundEmail.objects.filter(status="queued").count() == 2


def test_filters_by_status_and_source(client, mail):
    client.force_login(user_make("m", role="marketer"))
    url = reverse("web:outbox")
    skipped = client.get(url, {"status": "skipped"}).content.decode()
    assert "Hello Nomail" in skipped and "Hello Mine" not in skipped
    source = client.get(url, {"source": "campaign:1"}).content.decode()
    assert "Hello Mine" in source and "Hello Other" not in source
    odd = client.get(url, {"status": "<script>", "before": "x", "customer": "-1"})
    assert odd.status_code == 200 and "<script>" not in odd.content.decode()


def test_a_message_opens_as_sent_with_its_unsubscribe_link(client, mail):
    _, emails = mail
    client.force_login(user_make("m", role="marketer"))
    page = client.get(reverse("web:outbox_message", args=[emails["Other"].pk])).content.decode()
    assert "https://crm.example.com/unsubscribe/" in page
    assert "New arrivals &lt;b&gt;now&lt;/b&gt;" in page  # the text, escaped
    assert "Unsubscribe with one click" in page


def test_the_outbox_is_for_logged_in_users_and_speaks_their_language(client, mail):
    assert client.get(reverse("web:outbox")).status_code == 302
    client.force_login(user_make("m", role="marketer"))
    client.cookies["django_language"] = "it"
    page = client.get(reverse("web:outbox")).content.decode()
    assert "Posta in uscita" in page and "Saltata" in page and "Nessun indirizzo e-mail" in page


def test_a_marketer_sends_the_queue_from_the_outbox(client, mail, smtp):
    client.force_login(user_make("m", role="marketer"))
    response = client.post(reverse("web:outbox_send"), follow=True)
    assert "2 e-mails sent." in response.content.decode()
    assert sorted(m["To"] for m in smtp.messages) == ["mine@shop.example", "other@shop.example"]


def test_the_admin_reads_the_email_and_writes_none(client, mail):
    _, emails = mail
    admin = user_make("root", role="admin", is_superuser=True)
    client.force_login(admin)
    base = "/admin/engagement/outboundemail/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{emails['Mine'].pk}/change/").status_code == 200  # a view
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}{emails['Mine'].pk}/delete/", {"post": "yes"}).status_code == 403
    assert OutboundEmail.objects.count() == 3
    assert client.get("/admin/engagement/emailconsentchange/").status_code == 200
