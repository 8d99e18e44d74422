"""The form that adds or changes a customer: each value checked with the import's own parsers
(daur.interchange.values), each refusal said next to its field in the user's language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from daur.accounts.models import Role, User
from daur.actions.customers import customer_version
from daur.analytics.contact_keys import email_normalised
from daur.customers.models import Customer
from daur.interchange import values as parse

# The model's fields the form shows, in this order (the owner only to those who assign it).
FIELDS = (
    "external_id", "name", "kind", "relationship", "email", "phone", "email_consent", "language",
    "country", "city", "industry", "acquired_via", "owner",
)


class OwnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.get_full_name() or user.get_username()


class CustomerForm(forms.ModelForm):
    # The values the form was opened with (daur.actions.customers.customer_version).
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Customer
        fields = FIELDS
        field_classes = {"owner": OwnerChoice}
        labels = {"external_id": _("Customer id")}
        error_messages = {"name": {"required": _("Enter the customer's name.")}}
        help_texts = {
            "external_id": _("Leave empty to have one made; the import matches rows on it."),
            "phone": _(
                "Written without a + and country code, it is read as a number of %(country)s."
            ),
            "country": _("A two-letter code such as ID or IT."),
            "language": _("The language of the e-mail sent to the customer."),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f = self.fields
        f["phone"].help_text = f["phone"].help_text % {"country": settings.DAUR_DEFAULT_COUNTRY}
        f["language"].choices = [("", _("The business's language"))] + list(settings.LANGUAGES)
        f["external_id"].required = False
        if self.instance.pk:  # the import's key: fixed once the customer exists
            f["external_id"].disabled = True
            f["external_id"].help_text = ""
            self.initial.setdefault("version", customer_version(self.instance))
        if user.sees_everything:
            f["owner"].queryset = User.objects.filter(is_active=True).exclude(
                role=Role.SUPPORT_AGENT
            ).order_by("first_name", "last_name", "username")
        else:
            del f["owner"]  # a sales rep's customers are their own
        for field in f.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            elif not widget.is_hidden:
                widget.attrs["class"] = "form-control"
        f["email"].widget.input_type = "email"
        f["phone"].widget.input_type = "tel"
        f["email"].widget.attrs["autocomplete"] = "off"

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = attrs.get("class", "") + " is-invalid"
                attrs["aria-invalid"] = "true"

    def clean_external_id(self) -> str:
        if self.instance.pk:
            return self.instance.external_id
        return _parsed(parse.text(max_length=64), self.cleaned_data["external_id"], "external_id")

    def clean_name(self) -> str:
        return _parsed(parse.text(max_length=255, required=True), self.cleaned_data["name"], "name")

    def clean_email(self) -> str:
        if self._kept("email"):
            return self.instance.email
        value = _parsed(parse.email(), self.cleaned_data["email"], "email")
        return email_normalised(value)

    def clean_phone(self) -> str:
        if self._kept("phone"):
            return self.instance.phone
        region = settings.DAUR_DEFAULT_COUNTRY
        return _parsed(parse.phone(region=region), self.cleaned_data["phone"], "phone")

    def _kept(self, name: str) -> bool:
        """Whether an existing customer's contact is left as it was: one an import stored in
        another form (a phone without E.164) does not stop a change of some other value."""
        return bool(self.instance.pk) and self.cleaned_data[name] == getattr(self.instance, name)

    def clean_country(self) -> str:
        value = self.cleaned_data["country"].strip()
        return value.upper() if len(value) == 2 else value

    def values(self) -> dict[str, Any]:
        """The cleaned values as daur.actions.customers takes them."""
        data = dict(self.cleaned_data)
        if "owner" in data:
            owner = data.pop("owner")
            data["owner_id"] = owner.pk if owner else None
        data.pop("version", None)
        return data


MESSAGES = {
    "external_id": _("Use at most 64 characters, without control characters."),
    "name": _("Enter the customer's name."),
    "email": _("Enter an e-mail address such as name@example.com."),
    "phone": _("Enter a valid phone number, such as +62 812 3456 7890."),
}


def _parsed(parser: parse.Parser, value: str, field: str) -> Any:
    """The import parser's value; its refusal as the field's message."""
    try:
        return parser(value or "")
    except ValueError as error:
        raise forms.ValidationError(MESSAGES[field], code="invalid") from error
