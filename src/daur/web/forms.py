"""Forms of the web pages: the customer-list filters, validated into CustomerFilters."""

from __future__ import annotations

from html import escape  # the standard library's: Django's adds a lazy-string wrapper a call

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from daur.accounts.models import User
from daur.accounts.selectors import owner_choices
from daur.customers.access import sees_all_customers
from daur.customers.query import CHOICES, TEXTS
from daur.customers.selectors import CustomerFilters
from daur.definitions.customers import ACTIVE
from daur.web.labels import label_choices

ANY = [("", _("Any"))]


def _coded_choices() -> dict[str, list[tuple[str, str]]]:
    """The choices of the coded fields, named in the active language; the codes are the ones the
    list's query string takes (daur.customers.query: one list for the form, segments and CLI)."""
    any_ = [("", gettext("Any"))]
    stages = tuple(code for code in CHOICES["stage"] if code != ACTIVE)
    return {
        "stage": any_
        + [(ACTIVE, gettext("Active (conversion, retention or inspiration)"))]
        + label_choices("stage", stages),
        **{
            name: any_ + label_choices(name, CHOICES[name])
            for name in ("type", "orientation", "segment", "strategy", "relationship")
        },
        "sort": [("", gettext("Default")), *label_choices("sort", CHOICES["sort"])],
    }


def _flat(attrs: dict) -> str:
    """HTML attributes as Django's flatatt writes them (True: the name alone; False, None: left
    out), escaped with the standard library's escape."""
    return "".join(
        f" {key}" if value is True else f' {key}="{escape(str(value))}"'
        for key, value in attrs.items()
        if value is not False and value is not None
    )


class QuickSelect(forms.Select):
    """A <select> built in Python: Django renders each <option> through a template, which for
    the list's filters (a hundred options) cost more than the list's query."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        chosen = {"" if v is None else str(v) for v in self.format_value(value)}
        options = []
        for key, text in self.choices:
            key = "" if key is None else str(key)
            selected = " selected" if key in chosen else ""
            options.append(f'<option value="{escape(key)}"{selected}>{escape(str(text))}</option>')
        attrs = _flat(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attrs}>{"".join(options)}</select>')  # noqa: S308 - escaped above


class QuickInput(forms.TextInput):
    """An <input> built in Python, for the same reason."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        if value is not None:
            attrs["value"] = value
        return mark_safe(  # noqa: S308 - escaped by _flat
            f'<input type="{escape(self.input_type)}" name="{escape(name)}"{_flat(attrs)}>'
        )


class QuickHidden(QuickInput):
    input_type = "hidden"


def _select(**kwargs) -> QuickSelect:
    return QuickSelect(attrs={"class": "form-select"}, **kwargs)


def _text(**attrs) -> QuickInput:
    return QuickInput(attrs={"class": "form-control", **attrs})


SCORES = [(n, str(n)) for n in range(1, 6)]


class FilterBar:
    """A list's filter form as a bar of labelled columns (the customers', the leads')."""

    def fields_html(self) -> SafeString:
        """The visible fields, each a labelled column of the filter bar, built in Python (the
        template loop over fifteen bound fields cost more than the list's query)."""
        out = []
        for name, field in self.fields.items():
            if field.widget.is_hidden:
                continue
            bound = self[name]
            width = "col-12 col-md-6 col-xl-3" if name == "q" else "col-6 col-md-3 col-xl-2"
            widget = field.widget.render(bound.html_name, bound.value(), {"id": bound.auto_id})
            # A dropped value says why (the list is shown without it).
            errors = "".join(
                f'<div class="small text-danger">{escape(str(e))}</div>'
                for e in (self.errors.get(name, ()) if self.is_bound else ())
            )
            out.append(
                f'<div class="{width}"><label class="form-label small mb-0" '
                f'for="{bound.auto_id}">{escape(str(field.label))}</label>\n{widget}{errors}</div>\n'
            )
        return mark_safe("".join(out))  # noqa: S308 - labels escaped, widgets escape their values


class CustomerFilterForm(FilterBar, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=TEXTS["q"],
        widget=_text(type="search", placeholder=_("name, e-mail, phone or customer id")),
    )
    match = forms.ChoiceField(
        label=_("Name match"),
        required=False,
        choices=[
            ("words", _("a word starts with")),
            ("prefix", _("starts with")),
            ("contains", _("contains")),
        ],
        widget=_select(),
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False, widget=_select())
    type = forms.ChoiceField(label=_("Type"), required=False, widget=_select())
    orientation = forms.ChoiceField(label=_("Orientation"), required=False, widget=_select())
    segment = forms.ChoiceField(label=_("RFM segment"), required=False, widget=_select())
    strategy = forms.ChoiceField(label=_("Strategy"), required=False, widget=_select())
    rfm_r = forms.TypedChoiceField(
        label=_("R score"), required=False, coerce=int, empty_value=None, choices=ANY + SCORES,
        widget=_select(),
    )
    rfm_f = forms.TypedChoiceField(
        label=_("F score"), required=False, coerce=int, empty_value=None, choices=ANY + SCORES,
        widget=_select(),
    )
    clv_min = forms.FloatField(
        label=_("CLV from"), required=False, widget=_text(inputmode="decimal")
    )
    clv_max = forms.FloatField(label=_("CLV to"), required=False, widget=_text(inputmode="decimal"))
    owner = forms.TypedChoiceField(
        label=_("Owner"), required=False, coerce=int, empty_value=None, widget=_select()
    )
    country = forms.CharField(
        label=_("Country"), required=False, max_length=TEXTS["country"], widget=_text()
    )
    city = forms.CharField(
        label=_("City"), required=False, max_length=TEXTS["city"], widget=_text()
    )
    relationship = forms.ChoiceField(label=_("Relationship"), required=False, widget=_select())
    # Set by a persona's "Show the list" (/personas/), kept hidden: its key, not a code to pick.
    persona = forms.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, widget=QuickHidden
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, widget=_select())
    cursor = forms.CharField(required=False, widget=QuickHidden)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        f = self.fields
        for name, choices in _coded_choices().items():
            f[name].choices = choices
        if sees_all_customers(user):
            f["owner"].choices = ANY + owner_choices()
        else:
            del f["owner"]

    def filters(self) -> CustomerFilters:
        """The valid filters; a bad value is dropped rather than failing the whole page."""
        data = self.cleaned_data if self.is_valid() else {
            k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors
        }
        values = {k: v for k, v in data.items() if v not in ("", None)}
        return CustomerFilters(**values)
