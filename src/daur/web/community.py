"""The community pages (/community/): events and clubs; an event's invitees with their answers
and attendance check-boxes; a club's members (docs/community.md). Admins, managers and marketers
manage; sales reps see their own customers; support agents read."""

from __future__ import annotations

import re
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from daur.actions.community import (
    CommunityRefused,
    attendance_set,
    club_create,
    club_member_remove,
    club_members_add,
    event_create,
    invitations_send,
    rsvp_set,
)
from daur.campaigns.models import Segment
from daur.community.access import community_manageable_by, community_visible_to
from daur.community.models import Club, Event, Invitation
from daur.community.selectors import (
    SHOWN,
    club_members,
    clubs_overview,
    event_invitations,
    events_overview,
)
from daur.customers.access import customers_visible_to
from daur.insights.segments import segment_members

IDS_MAX = 1000  # customer ids typed at once


def _visible(request: HttpRequest) -> None:
    if not community_visible_to(request.user):
        raise PermissionDenied


def _manager(request: HttpRequest) -> None:
    if not community_manageable_by(request.user):
        raise PermissionDenied


@login_required
@require_GET
def community(request: HttpRequest) -> HttpResponse:
    _visible(request)
    now = timezone.now()
    events = list(events_overview(request.user))
    context = {
        "upcoming": [e for e in events if e.starts_at >= now][::-1],
        "past": [e for e in events if e.starts_at < now],
        "clubs": clubs_overview(request.user),
        "can_manage": community_manageable_by(request.user),
    }
    return render(request, "web/community/index.html", context)


def _back(request: HttpRequest, error: str, to: str) -> HttpResponseRedirect:
    messages.error(request, error)
    return HttpResponseRedirect(to)


@login_required
@require_POST
def event_new(request: HttpRequest) -> HttpResponse:
    _manager(request)
    back = reverse("web:community")
    post = request.POST
    try:
        starts_at = datetime.fromisoformat(post.get("starts_at", "").strip())
    except ValueError:
        return _back(request, _("Date and time: give them as the field asks."), back)
    capacity_text = post.get("capacity", "").strip()
    if capacity_text and not capacity_text.isdigit():
        return _back(request, _("Capacity: a whole number of seats, or empty."), back)
    try:
        event = event_create(
            name=post.get("name", ""),
            starts_at=starts_at,
            place=post.get("place", ""),
            capacity=int(capacity_text) if capacity_text else None,
            description=post.get("description", ""),
            user=request.user,
        )
    except CommunityRefused as refusal:
        return _back(request, str(refusal), back)
    return HttpResponseRedirect(reverse("web:event", args=[event.pk]))


@login_required
@require_POST
def club_new(request: HttpRequest) -> HttpResponse:
    _manager(request)
    try:
        club = club_create(
            name=request.POST.get("name", ""), description=request.POST.get("description", "")
        )
    except CommunityRefused as refusal:
        return _back(request, str(refusal), reverse("web:community"))
    return HttpResponseRedirect(reverse("web:club", args=[club.pk]))


@login_required
@require_GET
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    _visible(request)
    event = get_object_or_404(Event, pk=event_id)
    invitations = event_invitations(request.user, event)
    counts = {
        "invited": invitations.count(),
        "yes": invitations.filter(rsvp="yes").count(),
        "attended": invitations.filter(attended=True).count(),
    }
    context = {
        "event": event,
        "invitations": invitations[:SHOWN],
        "counts": counts,
        "shown": SHOWN,
        "started": event.starts_at <= timezone.now(),
        "can_manage": community_manageable_by(request.user),
        "segments": Segment.objects.all(),
        "answers": Invitation._meta.get_field("rsvp").choices,
    }
    return render(request, "web/community/event.html", context)


def _customers(request: HttpRequest, text: str):  # noqa: ANN202 - a list of Customers
    """The customers of the typed ids (customer ids, separated by commas or spaces); an unknown
    one refuses them all."""
    ids = [i for i in re.split(r"[\s,;]+", text.strip()) if i]
    if not ids:
        raise CommunityRefused(_("Type one or more customer ids."))
    if len(ids) > IDS_MAX:
        raise CommunityRefused(_("At most %(n)d customer ids at once.") % {"n": IDS_MAX})
    visible = customers_visible_to(request.user).filter(external_id__in=ids)
    found = {c.external_id: c for c in visible}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise CommunityRefused(
            _("No customer with the id %(ids)s; nothing was changed.")
            % {"ids": ", ".join(u[:64] for u in unknown[:5])}
        )
    return [found[i] for i in dict.fromkeys(ids)]


@login_required
@require_POST
def event_invite(request: HttpRequest, event_id: int) -> HttpResponse:
    _manager(request)
    event = get_object_or_404(Event, pk=event_id)
    back = reverse("web:event", args=[event.pk])
    try:
        segment_id = request.POST.get("segment", "")
        if segment_id:
            segment = get_object_or_404(Segment, pk=int(segment_id) if segment_id.isdigit() else 0)
            try:
                customers = list(segment_members(segment).only("pk"))
            except ValueError as error:
                raise CommunityRefused(str(error)) from None
        else:
            customers = _customers(request, request.POST.get("customers", ""))
        added = invitations_send(event=event, customers=customers)
    except CommunityRefused as refusal:
        return _back(request, str(refusal), back)
    messages.success(request, _("%(n)d customers invited.") % {"n": added})
    return HttpResponseRedirect(back)


def _invitation(request: HttpRequest, invitation_id: int) -> Invitation:
    _manager(request)
    return get_object_or_404(Invitation.objects.select_related("customer"), pk=invitation_id)


@login_required
@require_POST
def invitation_rsvp(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _invitation(request, invitation_id)
    back = reverse("web:event", args=[invitation.event_id]) + f"#invitation-{invitation.pk}"
    try:
        rsvp_set(invitation=invitation, answer=request.POST.get("rsvp", ""))
    except CommunityRefused as refusal:
        return _back(request, str(refusal), back)
    return HttpResponseRedirect(back)


@login_required
@require_POST
def invitation_attendance(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _invitation(request, invitation_id)
    back = reverse("web:event", args=[invitation.event_id]) + f"#invitation-{invitation.pk}"
    attended = request.POST.get("attended") == "yes"
    try:
        attendance_set(invitation=invitation, attended=attended, user=request.user)
    except CommunityRefused as refusal:
        return _back(request, str(refusal), back)
    return HttpResponseRedirect(back)


@login_required
@require_GET
def club_detail(request: HttpRequest, club_id: int) -> HttpResponse:
    _visible(request)
    club = get_object_or_404(Club, pk=club_id)
    members = club_members(request.user, club)
    context = {
        "club": club,
        "members": members[:SHOWN],
        "count": members.count(),
        "shown": SHOWN,
        "can_manage": community_manageable_by(request.user),
    }
    return render(request, "web/community/club.html", context)


@login_required
@require_POST
def club_member(request: HttpRequest, club_id: int) -> HttpResponse:
    """Add the typed customers to the club, or remove one (`remove`: its primary key)."""
    _manager(request)
    club = get_object_or_404(Club, pk=club_id)
    back = reverse("web:club", args=[club.pk])
    remove = request.POST.get("remove", "")
    if remove:
        customer = get_object_or_404(
            customers_visible_to(request.user), pk=int(remove) if remove.isdigit() else 0
        )
        club_member_remove(club=club, customer=customer)
        return HttpResponseRedirect(back)
    try:
        added = club_members_add(
            club=club, customers=_customers(request, request.POST.get("customers", ""))
        )
    except CommunityRefused as refusal:
        return _back(request, str(refusal), back)
    messages.success(request, _("%(n)d members added.") % {"n": added})
    return HttpResponseRedirect(back)
