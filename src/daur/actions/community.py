"""Writes of the community (docs/community.md): events and clubs, invitations, answers,
attendance (an interaction of kind `event`, re-scored after the commit) and club members. Each
refusal is a CommunityRefused with one line naming the customer and the reason; nothing is
half-written."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from daur.actions.engagement import interaction_record
from daur.community.models import RSVPS, Club, ClubMember, Event, Invitation
from daur.customers.models import Customer
from daur.engagement.models import Interaction
from daur.insights.realtime import customers_rescore_on_commit

NAME_MAX = 200
INVITE_MAX = 50_000  # customers invited in one go


class CommunityRefused(ValueError):
    """The write is refused; the message says why, in one line."""


def _name(name: str, what: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise CommunityRefused(_("The %(what)s needs a name.") % {"what": what})
    if len(name) > NAME_MAX or "\x00" in name:
        raise CommunityRefused(_("A name has at most %(n)d characters.") % {"n": NAME_MAX})
    return name


def event_create(
    *,
    name: str,
    starts_at: datetime,
    place: str = "",
    capacity: int | None = None,
    description: str = "",
    user=None,  # noqa: ANN001 - a User or None
) -> Event:
    if capacity is not None and capacity < 1:
        raise CommunityRefused(_("The capacity is at least one seat (empty: no limit)."))
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    return Event.objects.create(
        name=_name(name, _("event")),
        starts_at=starts_at,
        place=" ".join(place.split())[:200],
        capacity=capacity,
        description=description[:10_000],
        created_by=user,
    )


def club_create(*, name: str, description: str = "") -> Club:
    name = _name(name, _("club"))
    if Club.objects.filter(name__iexact=name).exists():
        raise CommunityRefused(_("A club named “%(name)s” exists already.") % {"name": name})
    try:
        with transaction.atomic():
            return Club.objects.create(name=name, description=description[:10_000])
    except IntegrityError:
        raise CommunityRefused(
            _("A club named “%(name)s” exists already.") % {"name": name}
        ) from None


@transaction.atomic
def invitations_send(*, event: Event, customers: Iterable[Customer]) -> int:
    """Invite the customers not yet invited; returns how many are new."""
    pks = list(dict.fromkeys(c.pk for c in customers))
    if len(pks) > INVITE_MAX:
        raise CommunityRefused(
            _("At most %(n)s customers are invited at once.") % {"n": f"{INVITE_MAX:,}"}
        )
    invited = set(
        Invitation.objects.filter(event=event, customer_id__in=pks).values_list(
            "customer_id", flat=True
        )
    )
    new = [Invitation(event=event, customer_id=pk) for pk in pks if pk not in invited]
    Invitation.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    return len(new)


def _locked(invitation: Invitation) -> tuple[Event, Invitation]:
    event = Event.objects.select_for_update().get(pk=invitation.event_id)
    return event, Invitation.objects.select_for_update().get(pk=invitation.pk)


def _full(event: Event, **counted) -> bool:
    if event.capacity is None:
        return False
    return Invitation.objects.filter(event=event, **counted).count() >= event.capacity


@transaction.atomic
def rsvp_set(*, invitation: Invitation, answer: str) -> Invitation:
    """The customer's answer (yes, no, maybe, or "" to clear it); a yes beyond the event's
    capacity is refused."""
    if answer not in (*RSVPS, ""):
        raise CommunityRefused(_("“%(answer)s” is not an answer (yes, no or maybe).") % {
            "answer": answer[:20]
        })
    event, invitation = _locked(invitation)
    if answer == "yes" and invitation.rsvp != "yes" and _full(event, rsvp="yes"):
        raise CommunityRefused(
            _("%(customer)s: the event is full (%(n)d seats said yes).")
            % {"customer": invitation.customer.name, "n": event.capacity}
        )
    invitation.rsvp = answer
    invitation.save(update_fields=["rsvp"])
    return invitation


@transaction.atomic
def attendance_set(*, invitation: Invitation, attended: bool, user=None) -> Invitation:  # noqa: ANN001
    """Record that the invited customer came (an interaction of kind `event` at the event's
    time) or undo it (the interaction is removed); the customer is re-scored after the commit.
    Refused before the event starts and beyond its capacity."""
    event, invitation = _locked(invitation)
    customer = invitation.customer
    if attended == invitation.attended:
        return invitation
    if attended:
        if event.starts_at > timezone.now():
            raise CommunityRefused(
                _("%(customer)s: the event has not started yet.") % {"customer": customer.name}
            )
        if _full(event, attended=True):
            raise CommunityRefused(
                _("%(customer)s: the event is full (%(n)d attended).")
                % {"customer": customer.name, "n": event.capacity}
            )
        try:
            with transaction.atomic():
                invitation.attendance = interaction_record(
                    kind="event",
                    occurred_at=event.starts_at,
                    customer=customer,
                    channel="community",
                    user=user,
                    note=event.name,
                )
        except IntegrityError:  # the same kind at the same moment: one interaction per key
            raise CommunityRefused(
                _("%(customer)s: an event at that moment is recorded already.")
                % {"customer": customer.name}
            ) from None
    else:
        if invitation.attendance_id:
            Interaction.objects.filter(pk=invitation.attendance_id).delete()
        invitation.attendance = None
        customers_rescore_on_commit(customer_ids=[customer.pk])
    invitation.attended = attended
    invitation.save(update_fields=["attended", "attendance"])
    return invitation


def club_members_add(*, club: Club, customers: Iterable[Customer]) -> int:
    """Add the customers to the club, all or none: one who is a member already refuses them
    all, naming them."""
    customers = list({c.pk: c for c in customers}.values())
    try:
        with transaction.atomic():
            members = set(
                ClubMember.objects.filter(club=club, customer__in=customers).values_list(
                    "customer_id", flat=True
                )
            )
            for customer in customers:
                if customer.pk in members:
                    raise CommunityRefused(
                        _("%(customer)s is a member of %(club)s already.")
                        % {"customer": customer.name, "club": club.name}
                    )
            ClubMember.objects.bulk_create([ClubMember(club=club, customer=c) for c in customers])
    except IntegrityError:  # added at the same moment by someone else
        raise CommunityRefused(_("Someone added one of them meanwhile; try again.")) from None
    return len(customers)


@transaction.atomic
def club_member_remove(*, club: Club, customer: Customer) -> None:
    ClubMember.objects.filter(club=club, customer=customer).delete()
