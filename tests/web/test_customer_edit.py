"""Adding and changing a customer from the web: the form's checks per field, the roles, escaping,
the re-score after commit, the history with its user, and a conflict between two editors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from daur.customers.models import Customer
from tests.web.factories import customer_make, user_make

pytestmark = pytest.mark.django_db

VALID = {
    "external_id": "",
    "name": "Toko Maju",
    "kind": "organization",
    "relationship": "external",
    "email": "  Sales@Toko-Maju.Example ",
    "phone": "0812-3456-7890",
    "email_consent": "on",
    "country": "id",
    "city": "Bandung",
    "industry": "Retail",
    "acquired_via": "website",
}


def _edit_data(customer: Customer, client, **changes) -> dict:
    """The edit form's values as the page gives them, with `changes` typed over them."""
    page = client.get(reverse("web:customer_edit", args=[customer.pk]))
    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name == "external_id" or value is False:  # fixed; an unticked box is not sent
            continue
        data[name] = "on" if value is True else "" if value is None else value
    return data | changes


def test_a_manager_adds_a_customer_with_normalised_contacts(client, manager, django_capture_on_commit_callbacks):
    owner = user_make("ani", first_name="Ani", last_name="Wijaya")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("web:customer_new"), VALID | {"owner": owner.pk})
    customer = Customer.objects.get(name="Toko Maju")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:customer", args=[customer.pk])
    assert customer.email == "sales@toko-maju.example"
    assert customer.phone == "+6281234567890"
    assert customer.country == "ID"
    assert customer.owner == owner and customer.email_consent is True
    assert customer.external_id  # one was made
    assert len(callbacks) == 1  # the re-score, scheduled for after the commit


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "Enter the customer's name"),
        ("name", "x" * 256, "at most 255 characters"),
        ("email", "not-an-address", "Enter an e-mail address"),
        ("email", "a@b", "Enter an e-mail address"),
        ("phone", "12", "Enter a valid phone number"),
        ("phone", "call me", "Enter a valid phone number"),
        ("kind", "robot", "Select a valid choice"),
        ("relationship", "friend", "Select a valid choice"),
        ("acquired_via", "pigeon", "Select a valid choice"),
        ("external_id", "bad\x00id", "Null characters are not allowed"),
        ("city", "x" * 129, "at most 128"),
    ],
)
def test_each_field_is_checked_and_says_why(client, manager, field, value, message):
    response = client.post(reverse("web:customer_new"), VALID | {field: value})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    html = response.content.decode()
    assert message in html.replace("&#x27;", "'")
    # The message is tied to its field for screen readers: the input names it and is invalid.
    assert f'id="id_{field}_error"' in html
    assert html.count(f"id_{field}_error") == 2 and 'aria-invalid="true"' in html
    assert not Customer.objects.exists()


def test_a_customer_id_already_taken_is_refused(client, manager):
    customer_make(external_id="C-1")
    response = client.post(reverse("web:customer_new"), VALID | {"external_id": "C-1"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["external_id"]


def test_a_phone_without_country_code_is_read_in_the_business_country(client, manager, settings):
    settings.DAUR_DEFAULT_COUNTRY = "IT"
    client.post(reverse("web:customer_new"), VALID | {"phone": "06 6982 1234"})
    assert Customer.objects.get().phone == "+390669821234"


def test_hostile_strings_are_stored_as_typed_and_shown_escaped(client, manager):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post(reverse("web:customer_new"), VALID | {"name": hostile, "city": hostile})
    customer = Customer.objects.get()
    assert customer.name == hostile
    for url in (
        reverse("web:customer", args=[customer.pk]),
        reverse("web:customer_edit", args=[customer.pk]),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
    # In the history too, as an old value.
    url = reverse("web:customer_edit", args=[customer.pk])
    client.post(url, _edit_data(customer, client, name="Toko"))
    html = client.get(reverse("web:customer", args=[customer.pk])).content.decode()
    history = html[html.index('id="history-title"'):]
    assert "<del>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in history
    assert "<script>alert" not in html


def test_a_contact_left_as_imported_does_not_block_another_change(client, manager):
    customer = customer_make("Toko", phone="n/a (ask the shop)", email="Old@Example.com")
    url = reverse("web:customer_edit", args=[customer.pk])
    assert client.post(url, _edit_data(customer, client, city="Bogor")).status_code == 302
    customer.refresh_from_db()
    assert (customer.city, customer.phone, customer.email) == (
        "Bogor", "n/a (ask the shop)", "Old@Example.com"
    )
    # Once touched, the contact is checked and normalised like a new one.
    response = client.post(url, _edit_data(customer, client, phone="n/a, really"))
    assert list(response.context["form"].errors) == ["phone"]
    client.post(url, _edit_data(customer, client, phone="+62 21 555 1234"))
    customer.refresh_from_db()
    assert customer.phone == "+62215551234"


def test_a_sales_rep_adds_customers_they_own(client, rep):
    other = user_make("other")
    client.post(reverse("web:customer_new"), VALID | {"owner": other.pk})
    assert Customer.objects.get().owner == rep


def test_a_sales_rep_edits_their_own_and_cannot_reach_another_reps(client, rep):
    mine = customer_make("Mine", owner=rep)
    theirs = customer_make("Theirs", owner=user_make("other"))
    assert client.get(reverse("web:customer_edit", args=[mine.pk])).status_code == 200
    url = reverse("web:customer_edit", args=[theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, VALID).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    # The owner is not a rep's to change: the field is absent and a posted one ignored.
    response = client.post(
        reverse("web:customer_edit", args=[mine.pk]),
        _edit_data(mine, client, name="Mine, renamed", owner=str(theirs.owner_id)),
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.name, mine.owner) == ("Mine, renamed", rep)


@pytest.mark.parametrize("role", ["marketer", "support_agent"])
def test_marketers_and_support_agents_read_only(client, role):
    user = user_make("reader", role=role)
    client.force_login(user)
    customer = customer_make("Someone")
    assert client.get(reverse("web:customer_new")).status_code == 403
    assert client.post(reverse("web:customer_new"), VALID).status_code == 403
    assert client.get(reverse("web:customer_edit", args=[customer.pk])).status_code == 404
    assert client.post(reverse("web:customer_edit", args=[customer.pk]), VALID).status_code == 404
    detail = client.get(reverse("web:customer", args=[customer.pk])).content.decode()
    listing = client.get(reverse("web:customers")).content.decode()
    assert reverse("web:customer_edit", args=[customer.pk]) not in detail
    assert reverse("web:customer_new") not in listing
    assert Customer.objects.get().name == "Someone"


def test_the_links_to_the_forms_are_on_the_list_and_the_360_page(client, manager):
    customer = customer_make("Someone")
    assert reverse("web:customer_new") in client.get(reverse("web:customers")).content.decode()
    detail = client.get(reverse("web:customer", args=[customer.pk])).content.decode()
    assert reverse("web:customer_edit", args=[customer.pk]) in detail


def test_the_forms_need_the_csrf_token(manager):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    assert strict.post(reverse("web:customer_new"), VALID).status_code == 403
    page = strict.get(reverse("web:customer_new")).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert not Customer.objects.exists()


def test_an_htmx_post_gets_the_form_back_in_place_or_a_redirect(client, manager):
    bad = client.post(reverse("web:customer_new"), VALID | {"email": "x"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200
    assert bad.content.decode().lstrip().startswith('<form id="customer-form"')
    good = client.post(reverse("web:customer_new"), VALID, HTTP_HX_REQUEST="true")
    assert good["HX-Redirect"] == reverse("web:customer", args=[Customer.objects.get().pk])


def test_a_change_is_saved_rescored_after_commit_and_kept_in_the_history(
    client, manager, django_capture_on_commit_callbacks
):
    manager.first_name, manager.last_name = "Budi", "Santoso"
    manager.save()
    new_owner = user_make("ani", first_name="Ani", last_name="Wijaya")
    customer = customer_make("Toko Lama", relationship="external", email="old@example.com")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("web:customer_edit", args=[customer.pk]),
            _edit_data(customer, client, name="Toko Baru", relationship="intermediary",
                       owner=str(new_owner.pk)),
        )
    assert response.status_code == 302
    assert len(callbacks) == 1
    history = client.get(reverse("web:customer", args=[customer.pk])).context["history"]
    latest = history[0]
    assert latest.by == "Budi Santoso" and latest.what == "Changed"
    shown = {(c.field, c.old, c.new) for c in latest.changes}
    assert shown == {
        ("Name", "Toko Lama", "Toko Baru"),
        ("Relationship", "External", "Intermediary"),
        ("Owner", "–", "Ani Wijaya"),
    }
    assert [entry.what for entry in history] == ["Changed", "Created"]


def test_an_imported_customer_s_history_tells_the_import_from_the_users_change(
    client, manager, write_csv
):
    from daur.interchange.importer import import_file

    header = "customer_id,name,city\n"
    import_file(kind="customers", path=write_csv("a.csv", header + "C-9,Toko,Bandung\n"))
    customer = Customer.objects.get(external_id="C-9")
    assert Customer.history.count() == 0  # the import writes in bulk: no entry per row
    client.post(
        reverse("web:customer_edit", args=[customer.pk]), _edit_data(customer, client, name="Toko A")
    )
    import_file(kind="customers", path=write_csv("b.csv", header + "C-9,Toko A,Bogor\n"))
    client.post(
        reverse("web:customer_edit", args=[customer.pk]), _edit_data(customer, client, industry="Tea")
    )
    history = client.get(reverse("web:customer", args=[customer.pk])).context["history"]
    # Each entry holds what its author changed: the import's city is not the user's doing.
    assert [(e.what, e.by, [(c.field, c.new) for c in e.changes]) for e in history] == [
        ("Changed", "boss", [("Industry", "Tea")]),
        ("As imported", "an import", [("City", "Bogor")]),
        ("Changed", "boss", [("Name", "Toko A")]),
        ("As imported", "an import", []),
    ]


def test_saving_unchanged_values_writes_nothing(client, manager, django_capture_on_commit_callbacks):
    customer = customer_make("Same")
    entries = Customer.history.count()
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("web:customer_edit", args=[customer.pk]), _edit_data(customer, client))
    assert callbacks == []
    assert Customer.history.count() == entries


def test_the_history_is_in_the_users_language(client, manager):
    customer = customer_make("Toko", relationship="external")
    client.post(
        reverse("web:customer_edit", args=[customer.pk]),
        _edit_data(customer, client, relationship="intermediary"),
    )
    client.cookies["django_language"] = "it"
    history = client.get(reverse("web:customer", args=[customer.pk])).context["history"]
    assert history[0].what == "Modificato"
    assert [c.field for c in history[0].changes] == ["Relazione"]


def test_two_editors_the_second_is_told_and_nothing_is_overwritten(client, manager):
    customer = customer_make("Toko", city="Bandung")
    opened = _edit_data(customer, client)  # both open the form
    client.post(reverse("web:customer_edit", args=[customer.pk]), opened | {"city": "Bogor"})
    late = client.post(reverse("web:customer_edit", args=[customer.pk]), opened | {"city": "Depok"})
    assert late.status_code == 409
    assert "Someone else saved this customer" in late.content.decode()
    customer.refresh_from_db()
    assert customer.city == "Bogor"
    # The form came back with the user's value and the new version: saving again keeps theirs.
    again = {**opened, "city": "Depok", "version": late.context["form"]["version"].value()}
    assert client.post(reverse("web:customer_edit", args=[customer.pk]), again).status_code == 302
    customer.refresh_from_db()
    assert customer.city == "Depok"


def test_withdrawn_consent_shows_on_the_card_and_in_the_history(client, manager):
    customer = customer_make("Toko")
    data = _edit_data(customer, client)
    data.pop("email_consent")  # the box unticked: a browser sends nothing for it
    client.post(reverse("web:customer_edit", args=[customer.pk]), data)
    customer.refresh_from_db()
    assert customer.email_consent is False
    page = client.get(reverse("web:customer", args=[customer.pk]))
    assert [(c.field, c.old, c.new) for c in page.context["history"][0].changes] == [
        ("Consent to e-mail", "yes", "no")
    ]
    facts = str(page.context["customer_facts"])
    assert "Consent to e-mail</dt><dd" in facts and ">no</dd>" in facts


def test_an_empty_post_is_refused_not_taken_for_a_fresh_form(client, manager):
    response = client.post(reverse("web:customer_new"), {})
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
