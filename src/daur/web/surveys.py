"""NPS surveys: the results page (/surveys/: over time, by segment, type, stage, round, reseller
and persona, with sample sizes, 95 % intervals and the comments; a sales rep's over their own
customers), sending a round to a saved segment, a round's links, and the answer page a customer
opens without logging in (/nps/<token>/)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from daur.accounts.models import Role
from daur.actions.survey_rounds import (
    SurveyRefused,
    survey_answer_by_token,
    survey_invitation_of,
    survey_round_send,
)
from daur.campaigns.models import Segment
from daur.customers.language import customer_language
from daur.insights.models import Persona
from daur.insights.survey_results import NpsRow, SurveyResults, survey_results
from daur.surveys.models import SurveyRound
from daur.web.labels import label
from daur.web.persona_words import unique_titles

PERIOD_DAYS = (90, 365, 730)
ROUND_LINKS_SHOWN = 200


def survey_results_readable_by(user) -> bool:  # noqa: ANN001 - a User
    """Every active role; a sales rep reads the results over their own customers
    (insights.survey_results)."""
    return user.is_authenticated and user.is_active


def survey_rounds_readable_by(user) -> bool:  # noqa: ANN001 - a User
    """A round's page lists every member's link: every role but sales reps."""
    return user.is_authenticated and user.is_active and (
        user.sees_everything or user.role in (Role.MARKETER, Role.SUPPORT_AGENT)
    )


def survey_rounds_sendable_by(user) -> bool:  # noqa: ANN001 - a User
    return user.is_authenticated and user.is_active and (
        user.sees_everything or user.role == Role.MARKETER
    )


@login_required
@require_GET
def surveys(request: HttpRequest) -> HttpResponse:
    if not survey_results_readable_by(request.user):
        raise PermissionDenied
    days = request.GET.get("days", "365")
    days = int(days) if days.isdigit() and int(days) in PERIOD_DAYS else 365
    end = timezone.now()
    results = survey_results(start=end - timedelta(days=days), end=end, user=request.user)
    rounds_readable = survey_rounds_readable_by(request.user)
    context = {
        "days": days,
        "period_days": PERIOD_DAYS,
        "results": results,
        "tables": [
            (_("By month"), [(r.key, r) for r in results.by_month], ""),
            (_("By segment"), [(r.key, r) for r in results.by_segment], ""),
            (_("By customer type"), [(label("type", r.key), r) for r in results.by_type], ""),
            (_("By life-cycle stage"), [(label("stage", r.key), r) for r in results.by_stage], ""),
            (_("By survey"), [(r.key, r) for r in results.by_round], ""),
            (_("By reseller"), [(r.key, r) for r in results.by_reseller], _more_resellers(results)),
            (_("By persona"), _persona_rows(results.by_persona), ""),
        ],
        "restricted": not survey_rounds_readable_by(request.user),
        "can_send": survey_rounds_sendable_by(request.user),
        "segments": list(Segment.objects.order_by("name")),
        "rounds": list(SurveyRound.objects.order_by("-created_at")[:20]) if rounds_readable else [],
    }
    return render(request, "web/surveys/results.html", context)


def _more_resellers(results: SurveyResults) -> str:
    n = results.resellers_not_shown
    if not n:
        return ""
    return ngettext(
        "%(n)s more reseller with fewer answers is not shown.",
        "%(n)s more resellers with fewer answers are not shown.",
        n,
    ) % {"n": n}


def _persona_rows(rows: tuple[NpsRow, ...]) -> list[tuple[str, NpsRow]]:
    """Each persona's row under its name as the personas page gives it (the rows are the whole
    run's personas in their order, so the titles are told apart the same way)."""
    traits = dict(Persona.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", "traits"))
    titles = unique_titles([traits[r.pk] for r in rows])
    return list(zip(titles, rows, strict=True))


@login_required
@require_POST
def survey_send(request: HttpRequest) -> HttpResponse:
    if not survey_rounds_sendable_by(request.user):
        raise PermissionDenied
    segment_id = request.POST.get("segment", "")
    segment = Segment.objects.filter(pk=int(segment_id)).first() if segment_id.isdigit() else None
    name = request.POST.get("name", "").strip()
    if segment is None or not name:
        messages.error(request, _("Name the survey and pick a segment."))
        return HttpResponseRedirect(reverse("web:surveys"))
    try:
        sent = survey_round_send(
            name=name, segment=segment, user=request.user,
            follow_up_detractors=request.POST.get("follow_up") == "on",
        )
    except ValueError:
        messages.error(request, _("The segment's filter no longer reads."))
        return HttpResponseRedirect(reverse("web:surveys"))
    messages.success(
        request,
        _("%(n)s customers invited; %(skipped)s without an e-mail or consent left out.")
        % {"n": sent.invited, "skipped": sent.skipped},
    )
    return HttpResponseRedirect(reverse("web:survey_round", args=[sent.survey_round.pk]))


@login_required
@require_GET
def survey_round(request: HttpRequest, round_id: int) -> HttpResponse:
    if not survey_rounds_readable_by(request.user):
        raise PermissionDenied
    survey = get_object_or_404(SurveyRound, pk=round_id)
    invitations = survey.invitations.select_related("customer", "answer").order_by("id")
    context = {
        "survey": survey,
        "invited": invitations.count(),
        "answered": invitations.filter(answer__isnull=False).count(),
        "invitations": list(invitations[:ROUND_LINKS_SHOWN]),
        "base": request.build_absolute_uri("/")[:-1],
    }
    return render(request, "web/surveys/round.html", context)


def refusal_text(reason: str) -> str:
    return {
        "tampered": _("This link is not valid. Please use the link from your message as it is."),
        "expired": _("This survey is closed. Thank you all the same."),
        "used": _("You have answered already. Thank you!"),
        "nps": _("Please pick a score from 0 to 10."),
    }.get(reason, _("This link is not valid."))


@require_http_methods(["GET", "POST"])
def nps_answer(request: HttpRequest, token: str) -> HttpResponse:
    context: dict = {"scores": list(range(11))}
    try:
        invitation = survey_invitation_of(token)
    except SurveyRefused as refusal:
        status = {"tampered": 404, "expired": 410}.get(refusal.reason, 200)
        language = (
            customer_language(refusal.invitation.customer)
            if refusal.invitation
            else translation.get_language()
        )
        with translation.override(language):
            context["refused"] = refusal_text(refusal.reason)
            response = render(request, "web/surveys/answer.html", context, status=status)
        return response
    with translation.override(customer_language(invitation.customer)):
        status = 200
        if request.method == "POST":
            comment = request.POST.get("comment", "")
            try:
                survey_answer_by_token(
                    token=token, nps=request.POST.get("nps", ""), comment=comment
                )
                context["thanks"] = True
            except SurveyRefused as refusal:
                if refusal.reason == "nps":
                    context.update(error=refusal_text("nps"), comment=comment[:2000])
                    status = 400
                else:
                    context["refused"] = refusal_text(refusal.reason)
                    status = 409
        response = render(request, "web/surveys/answer.html", context, status=status)
    return response
