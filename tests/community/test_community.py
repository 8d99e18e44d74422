"""Community: events, invitations, answers and attendance (an interaction of kind `event` that
the scoring reads, removed again by undoing it), clubs, bad input refused whole, and roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from daur.actions.community import (
    CommunityRefused,
    attendance_set,
    club_create,
    club_members_add,
    event_create,
    invitations_send,
    rsvp_set,
)
from daur.analytics.events import INTERACTION_CODES
from daur.community.models import ClubMember, Invitation
from daur.engagement.models import Interaction
from daur.insights.extract import base_records
from tests.web.factories import customer_make, user_make


@pytest.fixture(autouse=True)
def english():
    """The messages asserted are English (a page test before may leave another language on)."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def party():
    rep = user_make("rep", role="sales_rep")
    mine = [customer_make(f"Mine {n}", owner=rep) for n in range(2)]
    others = [customer_make(f"Other {n}") for n in range(2)]
    event = event_create(
        name="Cooking class", starts_at=timezone.now() - timedelta(hours=2), place="Bandung",
        capacity=3,
    )
    invitations_send(event=event, customers=mine + others)
    return {"rep": rep, "mine": mine, "others": others, "event": event}


def _invitation(party, customer) -> Invitation:
    return Invitation.objects.get(event=party["event"], customer=customer)


def test_attendance_is_an_event_interaction_that_reaches_the_scores(party, rescored):
    customer = party["mine"][0]
    invitation = attendance_set(invitation=_invitation(party, customer), attended=True)
    interaction = Interaction.objects.get(pk=invitation.attendance_id)
    assert (interaction.kind, interaction.customer_id) == ("event", customer.pk)
    assert interaction.occurred_at == party["event"].starts_at
    assert rescored == [[customer.pk]]
    read = base_records(customers=[customer.pk]).events.interactions
    assert list(read.kind) == [INTERACTION_CODES["event"]]
    attendance_set(invitation=invitation, attended=False)
    assert not Interaction.objects.filter(pk=interaction.pk).exists()
    assert not _invitation(party, customer).attended and rescored[-1] == [customer.pk]
    assert len(base_records(customers=[customer.pk]).events.interactions.kind) == 0


def test_capacity_limits_yes_answers_and_attendance(party):
    everyone = party["mine"] + party["others"]
    for customer in everyone[:3]:
        rsvp_set(invitation=_invitation(party, customer), answer="yes")
        attendance_set(invitation=_invitation(party, customer), attended=True)
    with pytest.raises(CommunityRefused, match="Other 1: the event is full"):
        rsvp_set(invitation=_invitation(party, everyone[3]), answer="yes")
    with pytest.raises(CommunityRefused, match="Other 1: the event is full"):
        attendance_set(invitation=_invitation(party, everyone[3]), attended=True)
    assert _invitation(party, everyone[3]).rsvp == ""
    assert Interaction.objects.filter(kind="event").count() == 3


def test_bad_input_is_refused_and_nothing_is_written(party):
    invitation = _invitation(party, party["mine"][0])
    with pytest.raises(CommunityRefused, match="not an answer"):
        rsvp_set(invitation=invitation, answer="perhaps")
    future = event_create(name="Later", starts_at=timezone.now() + timedelta(days=3))
    invitations_send(event=future, customers=party["mine"])
    with pytest.raises(CommunityRefused, match="Mine 0: the event has not started yet"):
        attendance_set(invitation=Invitation.objects.get(event=future, customer=party["mine"][0]),
                       attended=True)
    assert not Interaction.objects.exists()
    with pytest.raises(CommunityRefused, match="capacity"):
        event_create(name="None", starts_at=timezone.now(), capacity=0)
    with pytest.raises(CommunityRefused, match="needs a name"):
        event_create(name="  ", starts_at=timezone.now())
    assert invitations_send(event=party["event"], customers=party["mine"]) == 0  # invited already
    club = club_create(name="Home cooks")
    with pytest.raises(CommunityRefused, match="exists already"):
        club_create(name="home COOKS")
    club_members_add(club=club, customers=[party["mine"][0]])
    with pytest.raises(CommunityRefused, match="Mine 0 is a member of Home cooks already"):
        club_members_add(club=club, customers=[party["mine"][1], party["mine"][0]])
    assert list(ClubMember.objects.values_list("customer__name", flat=True)) == ["Mine 0"]


def _login(client, role: str, user=None):
    user = user or user_make(f"u-{role}", role=role, is_superuser=role in ("admin", "manager"))
    client.force_login(user)
    return user


@pytest.mark.parametrize("role", ["admin", "manager", "marketer"])
def test_managers_run_events_and_clubs_from_the_pages(client, party, role, rescored):
    _login(client, role)
    assert client.get(reverse("web:community")).status_code == 200
    created = client.post(reverse("web:event_new"), {
        "name": "Launch", "starts_at": "2026-01-10T18:30", "place": "Jakarta", "capacity": "50",
    })
    assert created.status_code == 302
    refused = client.post(reverse("web:event_new"), {"name": "X", "starts_at": "soon"}, follow=True)
    assert "Date and time" in refused.content.decode()
    event = party["event"]
    ids = " ".join(c.external_id for c in party["others"])
    client.post(reverse("web:event_invite", args=[event.pk]), {"customers": "NOPE " + ids})
    page = client.get(reverse("web:event", args=[event.pk])).content.decode()
    assert "Other 0" in page and "Mine 0" in page and 'type="checkbox"' in page
    invitation = _invitation(party, party["others"][0])
    client.post(reverse("web:invitation_rsvp", args=[invitation.pk]), {"rsvp": "maybe"})
    client.post(reverse("web:invitation_attendance", args=[invitation.pk]), {"attended": "yes"})
    invitation.refresh_from_db()
    assert invitation.rsvp == "maybe" and invitation.attended and invitation.attendance_id
    club = club_create(name="Readers")
    client.post(reverse("web:club_member", args=[club.pk]), {"customers": ids})
    assert ClubMember.objects.filter(club=club).count() == 2
    again = client.post(reverse("web:club_member", args=[club.pk]), {"customers": ids}, follow=True)
    assert "is a member of Readers already" in again.content.decode()
    unknown = client.post(reverse("web:club_member", args=[club.pk]), {"customers": "ZZZ"}, follow=True)
    assert "No customer with the id ZZZ" in unknown.content.decode()
    client.post(reverse("web:club_member", args=[club.pk]), {"remove": party["others"][0].pk})
    assert ClubMember.objects.filter(club=club).count() == 1


def test_a_sales_rep_sees_their_own_customers_and_changes_nothing(client, party):
    _login(client, "sales_rep", party["rep"])
    page = client.get(reverse("web:event", args=[party["event"].pk])).content.decode()
    assert "Mine 0" in page and "Other 0" not in page and 'type="checkbox"' not in page
    index = client.get(reverse("web:community")).content.decode()
    assert "Cooking class" in index and "New event" not in index
    invitation = _invitation(party, party["mine"][0])
    answer = client.post(reverse("web:invitation_rsvp", args=[invitation.pk]), {"rsvp": "yes"})
    came = client.post(reverse("web:invitation_attendance", args=[invitation.pk]), {"attended": "yes"})
    assert answer.status_code == came.status_code == 403


def test_a_support_agent_reads_only(client, party):
    _login(client, "support_agent")
    page = client.get(reverse("web:event", args=[party["event"].pk])).content.decode()
    assert "Other 0" in page and "Invite customers" not in page
    assert client.post(reverse("web:event_new"), {"name": "X"}).status_code == 403
    club = club_create(name="Runners")
    assert client.get(reverse("web:club", args=[club.pk])).status_code == 200
    assert client.post(reverse("web:club_member", args=[club.pk]), {"customers": "C1"}).status_code == 403
