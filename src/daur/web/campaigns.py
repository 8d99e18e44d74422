"""The campaign pages (docs/campaigns.md): the list with each campaign's status, members and
uplift headline; a new campaign's form; a campaign's settings, its launch (confirmed), the balance
of its arms before the launch and its read-out, intervals said in words. Admins, managers and
marketers manage campaigns; sales reps see the results over their own customers; support agents
read."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from daur import vocabulary
from daur.actions.campaigns import CampaignRefused, campaign_create, campaign_launch
from daur.campaigns.access import campaigns_manageable_by, campaigns_visible_to
from daur.campaigns.models import OFFER_CHOICES, Campaign, Segment
from daur.community.models import Event
from daur.customers.access import sees_all_customers
from daur.insights.campaign_mail import (
    STATE_NAMES,
    campaign_source,
    mail_counts,
    survey_answers,
)
from daur.insights.campaign_report import campaign_report
from daur.insights.services import latest_run
from daur.jobs import emails_dispatch
from daur.records import vocabulary_choices
from daur.web import campaign_words
from daur.web.dashboard import base_currency
from daur.web.surveys import survey_rounds_readable_by


def _readable(request: HttpRequest) -> None:
    if not campaigns_visible_to(request.user):
        raise PermissionDenied


def _manager(request: HttpRequest) -> None:
    if not campaigns_manageable_by(request.user):
        raise PermissionDenied


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    _readable(request)
    listed = (
        Campaign.objects.exclude(segment=None)
        .select_related("segment")
        .annotate(member_count=Count("members", filter=Q(members__excluded=False)))
        .order_by("-launched_at", "-pk")
    )
    rows = []
    for campaign in listed:
        headline = ""
        if campaign.launched:
            headline = campaign_words.headline(campaign_report(campaign, request.user))
        rows.append({"campaign": campaign, "headline": headline})
    context = {
        "rows": rows,
        "manages": campaigns_manageable_by(request.user),
        "sees_all": sees_all_customers(request.user),
    }
    return render(request, "web/campaigns/list.html", context)


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    segment = forms.ModelChoiceField(label=_("Target segment"), queryset=Segment.objects.all())
    offer = forms.ChoiceField(label=_("Offer"), choices=OFFER_CHOICES)
    event = forms.ModelChoiceField(
        label=_("Event (for an event invitation)"), queryset=Event.objects.all(), required=False
    )
    holdout_percent = forms.DecimalField(
        label=_("Hold-out (% of the members, who get nothing)"), initial=10, decimal_places=2
    )
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"), required=False, decimal_places=2
    )
    discount_amount = forms.DecimalField(label=_("Discount amount"), required=False)
    expires = forms.DateField(
        label=_("Coupons valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    window_days = forms.IntegerField(label=_("Attribution window (days)"), initial=30)
    cost = forms.DecimalField(label=_("Cost"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=vocabulary_choices(vocabulary.ACQUISITION_CHANNELS),
        initial="email",
    )
    subject_en = forms.CharField(label=_("Subject (English)"), required=False, max_length=200)
    body_en = forms.CharField(label=_("Body (English)"), required=False, widget=forms.Textarea)
    subject_id = forms.CharField(label=_("Subject (Indonesian)"), required=False, max_length=200)
    body_id = forms.CharField(label=_("Body (Indonesian)"), required=False, widget=forms.Textarea)
    subject_it = forms.CharField(label=_("Subject (Italian)"), required=False, max_length=200)
    body_it = forms.CharField(label=_("Body (Italian)"), required=False, widget=forms.Textarea)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    _manager(request)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        texts = {
            lang: (data[f"subject_{lang}"], data[f"body_{lang}"]) for lang in ("en", "id", "it")
        }
        try:
            campaign = campaign_create(
                name=data["name"],
                segment=data["segment"],
                offer=data["offer"],
                holdout=float(data["holdout_percent"] / Decimal(100)),
                discount_percent=data["discount_percent"],
                discount_amount=data["discount_amount"],
                expires=data["expires"],
                window_days=data["window_days"],
                cost=data["cost"],
                channel=data["channel"],
                texts=texts,
                event=data["event"],
                user=request.user,
            )
        except CampaignRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            return HttpResponseRedirect(reverse("web:campaign", args=[campaign.pk]))
    return render(request, "web/campaigns/new.html", {"form": form})


@login_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    _readable(request)
    campaign = get_object_or_404(
        Campaign.objects.select_related("segment", "event"), pk=campaign_id
    )
    currency = base_currency(latest_run())
    context = {
        "campaign": campaign,
        "currency": currency,
        "manages": campaigns_manageable_by(request.user),
        "sees_all": sees_all_customers(request.user),
    }
    if campaign.launched:
        report = campaign_report(campaign, request.user)
        uplift = report.uplift
        context.update(
            report=report,
            groups=[(_("Treated"), uplift.treated), (_("Hold-out"), uplift.holdout)],
            conversion=campaign_words.points_words(uplift.conversion),
            spend=campaign_words.money_words(uplift.spend_per_member, currency),
            conversion_cuped=uplift.conversion_cuped
            and campaign_words.points_words(uplift.conversion_cuped),
            spend_cuped=uplift.spend_per_member_cuped
            and campaign_words.money_words(uplift.spend_per_member_cuped, currency),
            clv=campaign_words.money_words(report.clv, currency),
            too_small=None if uplift.measurable else campaign_words.too_small_words(),
            balance=campaign_words.balance_rows(report, currency),
        )
        if campaign.sends_email and not campaign.recorded_launch:
            context.update(
                mail=_mail_rows(campaign, request.user), outbox_source=campaign_source(campaign)
            )
        if campaign.survey_round_id:
            owner = None if sees_all_customers(request.user) else request.user.pk
            context["answers"] = survey_answers(campaign, owner)["treated"]
            context["survey_readable"] = survey_rounds_readable_by(request.user)
    return render(request, "web/campaigns/detail.html", context)


@login_required
@require_POST
def campaign_launch_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    _manager(request)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Confirm the launch: it cannot be undone."))
    else:
        try:
            launched = campaign_launch(
                campaign, seed=request.POST.get("seed") or None, user=request.user
            )
        except CampaignRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                _("Launched: %(treated)s members treated, %(holdout)s in the hold-out.")
                % {"treated": _count(launched.treated), "holdout": _count(launched.holdout)},
            )
            if launched.emails_queued:
                messages.info(
                    request,
                    _("%(queued)s e-mails queued in the outbox; sending has started.")
                    % {"queued": _count(launched.emails_queued)},
                )
                emails_dispatch()
    return HttpResponseRedirect(reverse("web:campaign", args=[campaign.pk]))


def _mail_rows(campaign: Campaign, user) -> list[tuple[str, list[int]]]:  # noqa: ANN001
    """Per arm, its members' e-mails sent, queued, failed and skipped (a sales rep: of own
    customers)."""
    counts = mail_counts(campaign, None if sees_all_customers(user) else user.pk)
    return [
        (label, [counts[group][state] for state in STATE_NAMES])
        for group, label in (("treated", _("Treated")), ("holdout", _("Hold-out")))
    ]


def _count(n: int) -> str:
    return number_format(n, use_l10n=True, force_grouping=True)
