"""The demo business's retention marketing: a few saved segments, community events with
invitations, answers and attendance, and a club (docs/community.md, docs/segments.md). Written
through the actions, deterministic per seed; the personas come with the demo's scoring."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction

from daur.accounts.models import Role, User
from daur.actions.community import (
    attendance_set,
    club_create,
    club_members_add,
    event_create,
    invitations_send,
    rsvp_set,
)
from daur.actions.segments import SegmentRefused, segment_create
from daur.campaigns.models import Segment
from daur.community.models import Club, Event, Invitation
from daur.customers.models import Customer
from daur.demo.timeline import END_DATE, UTC_OFFSET
from daur.sales.models import Order

SEGMENTS = (
    ("Loyal customers in retention", "stage=retention&type=loyal"),
    ("At risk", "segment=At+Risk"),
    ("Discount-driven buyers", "type=discount"),
    ("Resellers", "relationship=intermediary"),
)
# (name, days from the demo's last day, place, capacity, description)
EVENTS = (
    ("Cooking class: rice cooker recipes", -52, "Bandung, Jl. Braga 12", 30,
     "An evening of recipes with our kitchen appliances; dinner included."),
    ("Smart home evening", -16, "Jakarta, Senayan City", 60,
     "Hands-on with the new smart-home range, with our technicians."),
    ("Year-end customer gathering", 40, "Surabaya, Tunjungan Plaza", 80,
     "Our thanks for the year: previews of next year's products and a lottery."),
)


def _at(days: int, hour: int = 18) -> datetime:
    day = END_DATE + timedelta(days=days)
    return datetime.fromisoformat(f"{day.isoformat()}T{hour:02d}:00:00{UTC_OFFSET}")


def demo_community_fill(*, seed: int = 7) -> dict[str, int]:
    """Segments, events and a club for the demo (nothing added when they exist already)."""
    rng = random.Random(seed)
    marketer = User.objects.filter(role=Role.MARKETER).order_by("id").first()
    counts = {"segments": 0, "events": 0, "invitations": 0, "attended": 0, "club members": 0}
    with transaction.atomic():
        for name, query in SEGMENTS:
            if not Segment.objects.filter(name=name).exists():
                try:
                    segment_create(name=name, query=query, user=marketer)
                    counts["segments"] += 1
                except SegmentRefused:
                    continue
        # Buyers: an event is an inbound interaction, which would move a prospect into
        # acquisition that the demo's own events (its CSV files) leave in reaching.
        people = list(
            Customer.objects.filter(
                kind="person", relationship="external", pk__in=Order.objects.values("customer_id")
            ).order_by("id").values_list("id", flat=True)[:400]
        )
        if not people:
            return counts
        for name, days, place, capacity, description in EVENTS:
            if Event.objects.filter(name=name).exists():
                continue
            event = event_create(
                name=name, starts_at=_at(days), place=place, capacity=capacity,
                description=description, user=marketer,
            )
            counts["events"] += 1
            guests = rng.sample(people, min(len(people), capacity + capacity // 2))
            counts["invitations"] += invitations_send(
                event=event, customers=Customer.objects.filter(pk__in=guests)
            )
            past = days < 0
            for invitation in Invitation.objects.filter(event=event).select_related("customer"):
                answer = rng.choices(("yes", "no", "maybe", ""), (5, 2, 2, 2))[0]
                yes = Invitation.objects.filter(event=event, rsvp="yes").count()
                if answer == "yes" and yes >= capacity:
                    answer = "maybe"
                if answer:
                    invitation = rsvp_set(invitation=invitation, answer=answer)
                chance = {"yes": 0.75, "maybe": 0.3}.get(answer, 0.0)
                came = rng.random() < chance
                if past and came:
                    attendance_set(invitation=invitation, attended=True, user=marketer)
                    counts["attended"] += 1
        if not Club.objects.filter(name="Home cooks club").exists():
            club = club_create(
                name="Home cooks club",
                description="Customers who love to cook: recipes, early news of kitchen products.",
            )
            members = Customer.objects.filter(pk__in=rng.sample(people, min(len(people), 25)))
            counts["club members"] = club_members_add(club=club, customers=members)
    return counts
