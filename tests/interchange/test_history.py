"""The history of customers and leads: kept for saves through Django, with their user; the
import's bulk writes leave it alone (an import is recorded as an import run)."""

from __future__ import annotations

import pytest

from daur.customers.models import Customer
from daur.interchange.importer import import_file
from daur.leads.models import Lead
from tests.web.factories import user_make

pytestmark = pytest.mark.django_db


def test_imports_write_no_history_row(write_csv):
    import_file(
        kind="customers",
        path=write_csv("c.csv", "customer_id,name,email\nC1,Toko,a@example.com\nC2,Warung,\n"),
    )
    import_file(kind="leads", path=write_csv("l.csv", "lead_id,name,source\nL1,Prospek,website\n"))
    import_file(
        kind="customers", path=write_csv("c2.csv", "customer_id,name,email\nC1,Toko Baru,\n")
    )
    assert Customer.objects.count() == 2 and Lead.objects.count() == 1
    assert Customer.history.count() == 0 and Lead.history.count() == 0
    assert set(Customer.objects.values_list("email_consent", flat=True)) == {True}


def test_a_lead_changed_through_django_is_recorded_with_its_user():
    rep = user_make("rep", first_name="Rina")
    lead = Lead.objects.create(external_id="L1", name="Prospek", source="website")
    lead.stage = "contacted"
    lead._history_user = rep
    lead.save()
    latest, first = Lead.history.filter(id=lead.pk).order_by("-history_id")
    assert (first.history_type, latest.history_type, latest.history_user) == ("+", "~", rep)
    assert [(c.field, c.old, c.new) for c in latest.diff_against(first).changes] == [
        ("stage", "new", "contacted")
    ]
