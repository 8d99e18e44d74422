"""Reads of the community: events and clubs with their figures, and the invitees and members a
user may see (a sales rep: their own customers). docs/community.md."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from daur.accounts.models import User
from daur.community.models import Club, ClubMember, Event, Invitation
from daur.customers.access import customers_visible_to, sees_all_customers

SHOWN = 500  # invitees or members listed on a page


def _mine(user: User, prefix: str) -> Q:
    return Q() if sees_all_customers(user) else Q(**{f"{prefix}customer__owner": user})


def events_overview(user: User) -> QuerySet[Event]:
    """Every event with its invited, yes and attended counts over the customers the user sees."""
    mine = _mine(user, "invitations__")
    return Event.objects.annotate(
        invited=Count("invitations", filter=mine),
        said_yes=Count("invitations", filter=mine & Q(invitations__rsvp="yes")),
        came=Count("invitations", filter=mine & Q(invitations__attended=True)),
    ).order_by("-starts_at", "-id")


def clubs_overview(user: User) -> QuerySet[Club]:
    return Club.objects.annotate(size=Count("members", filter=_mine(user, "members__")))


def event_invitations(user: User, event: Event) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(event=event, customer__in=customers_visible_to(user))
        .select_related("customer")
        .order_by("customer__name", "customer_id")
    )


def club_members(user: User, club: Club) -> QuerySet[ClubMember]:
    return (
        ClubMember.objects.filter(club=club, customer__in=customers_visible_to(user))
        .select_related("customer")
        .order_by("customer__name", "customer_id")
    )
