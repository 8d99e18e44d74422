"""Importing the interchange files: upserts, idempotence, custom fields, dry runs, time zones."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from daur.customers.models import Customer
from daur.engagement.models import Interaction
from daur.interchange.importer import import_file
from daur.leads.models import Lead
from daur.sales.models import Order, OrderLine
from daur.servicedesk.models import Ticket
from daur.surveys.models import SurveyAnswer

from .samples import FILES, IMPORT_ORDER

pytestmark = pytest.mark.django_db


def test_every_kind_imports_with_its_references_resolved(sample_business):
    ani = Customer.objects.get(external_id="C1")
    assert ani.referred_by.external_id == "C2"
    assert ani.campaign.external_id == "CMP1"
    assert ani.owner.username == "rep1"
    assert ani.custom_fields == {"loyalty_card": "GOLD-1"}
    # C3 is referred by C1, which comes earlier in the same file; C1 by C2, which comes later.
    assert Customer.objects.get(external_id="C3").referred_by_id == ani.pk
    order = Order.objects.get(external_id="O1")
    assert order.reseller.external_id == "C2"
    assert order.amount == Decimal("2440000")
    assert order.ordered_at == datetime(2025, 1, 15, 3, 0, tzinfo=UTC)
    assert Order.objects.get(external_id="O4").amount == Decimal("-450000")  # a refund
    assert Order.objects.get(external_id="O3").currency == "EUR"
    assert OrderLine.objects.filter(order__external_id="O1").count() == 2
    note = Interaction.objects.get(customer=ani).note
    assert note == 'Asked about the air fryer, "Pro" model'
    assert Interaction.objects.get(lead__external_id="L3").customer is None
    assert Ticket.objects.get(external_id="T2").accepted is True
    assert SurveyAnswer.objects.get(customer=ani).nps == 9
    lead = Lead.objects.get(external_id="L1")
    assert lead.converted_customer == ani and lead.stage == "won"
    assert Lead.objects.get(external_id="L2").lost_reason == "price"


def test_reimporting_the_same_files_changes_nothing(sample_business):
    stamps = {c.external_id: c.updated_at for c in Customer.objects.all()}
    for kind in IMPORT_ORDER:
        result = import_file(kind=kind, path=sample_business[kind])
        assert (result.created, result.updated) == (0, 0), kind
        assert result.unchanged == result.rows
    assert {c.external_id: c.updated_at for c in Customer.objects.all()} == stamps


def test_a_changed_row_is_updated_and_counted(sample_business, write_csv):
    changed = FILES["orders"].replace(
        "O3,C3,2025-02-10T12:00:00+01:00,129.90", "O3,C3,2025-02-10T12:00:00+01:00,139.90"
    )
    result = import_file(kind="orders", path=write_csv("orders2.csv", changed))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    assert Order.objects.get(external_id="O3").amount == Decimal("139.90")


def test_a_column_left_out_of_the_file_keeps_its_stored_values(sample_business, write_csv):
    result = import_file(
        kind="customers", path=write_csv("names.csv", "customer_id,name\nC1,Ani W.\n")
    )
    assert result.updated == 1
    ani = Customer.objects.get(external_id="C1")
    assert ani.name == "Ani W."
    assert ani.email == "ani@example.co.id" and ani.referred_by.external_id == "C2"
    assert ani.created_at == datetime(2025, 1, 11, 3, 0, tzinfo=UTC)


def test_an_empty_created_at_keeps_the_stored_one(sample_business, write_csv):
    before = Customer.objects.get(external_id="C2").created_at
    import_file(
        kind="customers",
        path=write_csv("c.csv", "customer_id,name,created_at\nC2,Toko Maju Jaya,\n"),
    )
    assert Customer.objects.get(external_id="C2").created_at == before


def test_unknown_columns_are_kept_as_custom_fields_and_merged(sample_business, write_csv):
    result = import_file(
        kind="customers", path=write_csv("c.csv", "customer_id,name,shoe_size\nC1,Ani Wijaya,38\n")
    )
    assert result.custom_columns == ["shoe_size"]
    assert Customer.objects.get(external_id="C1").custom_fields == {
        "loyalty_card": "GOLD-1",
        "shoe_size": "38",
    }


def test_a_dry_run_validates_and_counts_but_writes_nothing(rep, sample_files):
    result = import_file(kind="campaigns", path=sample_files["campaigns"], dry_run=True)
    assert result.dry_run and result.created == 2
    assert "nothing was written" in result.report()
    from daur.campaigns.models import Campaign

    assert not Campaign.objects.exists()


def test_a_bare_date_is_midnight_in_the_configured_time_zone(rep, write_csv, settings):
    settings.TIME_ZONE = "Asia/Jakarta"
    import_file(kind="customers", path=write_csv("c.csv", "customer_id,name\nC9,Dewi\n"))
    import_file(
        kind="orders",
        path=write_csv(
            "o.csv",
            "order_id,customer_id,ordered_at,amount\nX1,C9,2025-05-01,10\nX2,C9,2025-05-01T08:00:00,10\n",
        ),
    )
    assert Order.objects.get(external_id="X1").ordered_at == datetime(
        2025, 4, 30, 17, 0, tzinfo=UTC
    )
    assert Order.objects.get(external_id="X2").ordered_at == datetime(2025, 5, 1, 1, 0, tzinfo=UTC)


def test_an_empty_currency_takes_the_default_and_is_uppercased_otherwise(rep, write_csv):
    import_file(kind="customers", path=write_csv("c.csv", "customer_id,name\nC9,Dewi\n"))
    import_file(
        kind="orders",
        path=write_csv(
            "o.csv",
            "order_id,customer_id,ordered_at,amount,currency\nX1,C9,2025-05-01,10,\nX2,C9,2025-05-01,10,eur\n",
        ),
    )
    assert dict(Order.objects.values_list("external_id", "currency")) == {"X1": "IDR", "X2": "EUR"}


def test_booleans_take_every_documented_spelling(rep, write_csv):
    import_file(kind="customers", path=write_csv("c.csv", "customer_id,name\nC9,Dewi\n"))
    rows = "\n".join(
        f"T{i},C9,suggestion,2025-05-01,{word}"
        for i, word in enumerate(["TRUE", "yes", "1", "False", "no", "0", ""])
    )
    import_file(
        kind="tickets",
        path=write_csv("t.csv", "ticket_id,customer_id,kind,opened_at,accepted\n" + rows + "\n"),
    )
    accepted = dict(Ticket.objects.values_list("external_id", "accepted"))
    assert accepted == {
        "T0": True,
        "T1": True,
        "T2": True,
        "T3": False,
        "T4": False,
        "T5": False,
        "T6": None,
    }


def test_interactions_reimport_matches_on_party_kind_and_moment(sample_business, write_csv):
    again = FILES["interactions"].replace("whatsapp", "phone")
    result = import_file(kind="interactions", path=write_csv("i.csv", again))
    assert (result.created, result.updated) == (0, 1)
    assert Interaction.objects.count() == 3


def test_tabs_backslashes_and_line_breaks_arrive_verbatim(rep, write_csv):
    # COPY's text format gives these characters a meaning; they must be escaped on the way in.
    import_file(kind="customers", path=write_csv("c.csv", "customer_id,name\nC9,Dewi\n"))
    note = 'tab\there, back\\slash \\N, "quoted"\r\nnext line\nlast \\t'
    quoted = note.replace('"', '""')
    text = f'customer_id,kind,occurred_at,note,extra\nC9,call,2025-05-01,"{quoted}",a\\b\t"c"\n'
    import_file(kind="interactions", path=write_csv("i.csv", text))
    stored = Interaction.objects.get()
    assert stored.note == note
    assert stored.custom_fields == {"extra": 'a\\b\t"c"'}
