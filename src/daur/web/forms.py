"""Forms of the web pages: the customer-list filters, validated into CustomerFilters."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from daur import vocabulary
from daur.accounts.models import Role, User
from daur.analytics.lifecycle import LIFECYCLE_STAGES
from daur.analytics.orientation import ORIENTATIONS
from daur.analytics.rfm import SEGMENTS
from daur.analytics.strategy import STRATEGIES
from daur.analytics.typology import TYPE_LABELS
from daur.customers.selectors import SORTS, CustomerFilters, sees_all_customers
from daur.web.labels import label_choices

ANY = [("", _("Any"))]


class QuickSelect(forms.Select):
    """A <select> built in Python: Django renders each <option> through a template, which for
    the list's filters (a hundred options) cost more than the list's query."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        chosen = {"" if v is None else str(v) for v in self.format_value(value)}
        options = []
        for key, text in self.choices:
            key = "" if key is None else str(key)
            selected = " selected" if key in chosen else ""
            options.append(f'<option value="{escape(key)}"{selected}>{escape(text)}</option>')
        attrs = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(attrs), mark_safe("".join(options))  # noqa: S308 - escaped above
        )


SCORES = [(n, str(n)) for n in range(1, 6)]


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    match = forms.ChoiceField(
        label=_("Name match"),
        required=False,
        choices=[("prefix", _("starts with")), ("contains", _("contains"))],
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)
    orientation = forms.ChoiceField(label=_("Orientation"), required=False)
    segment = forms.ChoiceField(label=_("RFM segment"), required=False)
    strategy = forms.ChoiceField(label=_("Strategy"), required=False)
    rfm_r = forms.TypedChoiceField(
        label=_("R score"), required=False, coerce=int, empty_value=None, choices=ANY + SCORES
    )
    rfm_f = forms.TypedChoiceField(
        label=_("F score"), required=False, coerce=int, empty_value=None, choices=ANY + SCORES
    )
    owner = forms.TypedChoiceField(
        label=_("Owner"), required=False, coerce=int, empty_value=None
    )
    country = forms.CharField(label=_("Country"), required=False, max_length=64)
    city = forms.CharField(label=_("City"), required=False, max_length=128)
    relationship = forms.ChoiceField(label=_("Relationship"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        f = self.fields
        f["stage"].choices = ANY + label_choices("stage", LIFECYCLE_STAGES)
        f["type"].choices = ANY + label_choices("type", TYPE_LABELS)
        f["orientation"].choices = ANY + label_choices("orientation", ORIENTATIONS)
        f["segment"].choices = ANY + label_choices("segment", SEGMENTS)
        f["strategy"].choices = ANY + label_choices("strategy", STRATEGIES)
        f["relationship"].choices = ANY + label_choices("relationship", vocabulary.RELATIONSHIPS)
        f["sort"].choices = [("", _("Default"))] + label_choices("sort", tuple(SORTS))
        if sees_all_customers(user):
            # Users who may own customers; no join on the (large) customer table.
            owners = User.objects.filter(is_active=True).exclude(role=Role.SUPPORT_AGENT)
            rows = owners.order_by("username").values_list(
                "pk", "first_name", "last_name", "username"
            )
            # As User.get_full_name(), without building the users.
            f["owner"].choices = ANY + [
                (pk, f"{first} {last}".strip() or username) for pk, first, last, username in rows
            ]
        else:
            del f["owner"]
        for field in f.values():
            if type(field.widget) is forms.Select:
                field.widget = QuickSelect(attrs=field.widget.attrs, choices=field.choices)
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        f["q"].widget.attrs.update(
            type="search", placeholder=_("name, e-mail, phone or customer id")
        )

    def filters(self) -> CustomerFilters:
        """The valid filters; a bad value is dropped rather than failing the whole page."""
        data = self.cleaned_data if self.is_valid() else {
            k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors
        }
        values = {k: v for k, v in data.items() if v not in ("", None)}
        return CustomerFilters(**values)
