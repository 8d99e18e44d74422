"""Forms of the lead pages: the pipeline's filters, a stage move, an activity."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from daur import vocabulary
from daur.accounts.models import Role, User
from daur.accounts.selectors import owner_choices
from daur.campaigns.models import Campaign
from daur.leads.selectors import AGE_DAYS, SORTS, LeadFilters
from daur.web.forms import FilterBar, QuickHidden, _select, _text
from daur.web.labels import label_choices

UNASSIGNED = "none"


class LeadFilterForm(FilterBar, forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100,
        widget=_text(type="search", placeholder=_("name, company, e-mail or lead id")),
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False, widget=_select())
    owner = forms.ChoiceField(label=_("Owner"), required=False, widget=_select())
    source = forms.ChoiceField(label=_("Source"), required=False, widget=_select())
    campaign = forms.TypedChoiceField(
        label=_("Campaign"), required=False, coerce=int, empty_value=None, widget=_select()
    )
    age = forms.ChoiceField(label=_("Created"), required=False, widget=_select())
    overdue = forms.ChoiceField(label=_("Activities"), required=False, widget=_select())
    score_min = forms.IntegerField(
        label=_("Win probability from (%)"), required=False, min_value=0, max_value=100,
        widget=_text(type="number", min="0", max="100", inputmode="numeric"),
    )
    score_max = forms.IntegerField(
        label=_("Win probability to (%)"), required=False, min_value=0, max_value=100,
        widget=_text(type="number", min="0", max="100", inputmode="numeric"),
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, widget=_select())
    cursor = forms.CharField(required=False, max_length=500, widget=QuickHidden)

    def __init__(self, *args, user: User, board: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        any_ = [("", gettext("Any"))]
        f = self.fields
        f["stage"].choices = any_ + label_choices("lead_stage", vocabulary.LEAD_STAGES)
        f["source"].choices = any_ + label_choices("channel", vocabulary.ACQUISITION_CHANNELS)
        campaigns = Campaign.objects.filter(purpose="acquisition").order_by("name")
        f["campaign"].choices = any_ + list(campaigns.values_list("pk", "name"))
        f["age"].choices = any_ + [
            (key, gettext("in the last %(n)s days") % {"n": days}) for key, days in AGE_DAYS.items()
        ] + [("older", gettext("more than %(n)s days ago") % {"n": max(AGE_DAYS.values())})]
        f["overdue"].choices = any_ + [("1", gettext("with an overdue activity"))]
        f["sort"].choices = label_choices("lead_sort", tuple(SORTS))
        if user.sees_everything or user.role == Role.MARKETER:
            f["owner"].choices = any_ + [(UNASSIGNED, gettext("Nobody"))] + [
                (str(pk), name) for pk, name in owner_choices()
            ]
        else:
            del f["owner"]
        if board:  # the board shows every stage, in its own order
            del f["stage"], f["sort"], f["cursor"]

    def clean(self) -> dict:
        data = super().clean()
        low, high = data.get("score_min"), data.get("score_max")
        if low is not None and high is not None and low > high:
            self.add_error("score_max", gettext("The upper bound is below the lower one."))
        return data

    def filters(self) -> LeadFilters:
        """The valid filters; a bad value is dropped rather than failing the whole page."""
        data = self.cleaned_data if self.is_valid() else {
            k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors
        }
        values = {k: v for k, v in data.items() if v not in ("", None)}
        owner = values.pop("owner", "")
        if owner == UNASSIGNED:
            values["unassigned"] = True
        elif owner:
            values["owner"] = int(owner)
        values["overdue"] = values.get("overdue") == "1"
        return LeadFilters(**values)


class StageMoveForm(forms.Form):
    to_stage = forms.ChoiceField(choices=[(s, s) for s in vocabulary.LEAD_STAGES])
    expected_stage = forms.ChoiceField(choices=[(s, s) for s in vocabulary.LEAD_STAGES])
    lost_reason = forms.ChoiceField(
        label=_("Lost reason"), required=False,
        choices=[("", "")] + [(r, r) for r in vocabulary.LEAD_LOST_REASONS],
    )


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), widget=forms.Select(attrs={"class": "form-select"}))
    due_at = forms.DateTimeField(
        label=_("Due"), required=False,
        widget=forms.DateTimeInput(
            format="%Y-%m-%dT%H:%M", attrs={"class": "form-control", "type": "datetime-local"}
        ),
        help_text=_("Leave empty to log what happened; set it to plan the activity."),
    )
    outcome = forms.CharField(
        label=_("Outcome"), required=False, max_length=255,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, auto_id="activity-%s", **kwargs)
        self.fields["kind"].choices = label_choices("activity", vocabulary.ACTIVITY_KINDS)
