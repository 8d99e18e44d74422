"""The demo's live service desk: SLA policies on a Jakarta business calendar, two teams, a backlog
opened over the last days (some breached, some breaching soon, some waiting on the customer),
tickets resolved with their satisfaction answered, and an NPS survey round answered in part.
Written through the desk's actions, relative to now; loading the demo again starts it afresh.
Its past replies and resolutions are not e-mailed to the (made-up) customers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
from django.utils import timezone

from daur.accounts.models import User
from daur.actions.servicedesk import ticket_open, ticket_reply, ticket_status_change
from daur.actions.servicedesk_csat import ticket_satisfaction_record
from daur.actions.servicedesk_sla import tickets_sla_recompute
from daur.actions.survey_rounds import survey_answer_by_token, survey_round_send
from daur.campaigns.models import Segment
from daur.customers.models import Customer
from daur.servicedesk.models import BusinessCalendar, Holiday, SlaPolicy, Team, Ticket
from daur.servicedesk.tokens import csat_token_make
from daur.surveys.models import SurveyAnswer, SurveyRound

DESK_PREFIX = "DESK-"
SURVEY_NAME = "Demo NPS (Italy)"
# priority: (first response minutes, resolution minutes, on the business calendar)
POLICIES = {
    "urgent": (30, 240, False),
    "high": (60, 480, True),
    "normal": (240, 1440, True),
    "low": (480, 2400, True),
}
HOLIDAYS_2026 = (
    (date(2026, 1, 1), "New Year"), (date(2026, 8, 17), "Independence Day"),
    (date(2026, 12, 25), "Christmas"), (date(2027, 1, 1), "New Year"),
)
SUBJECTS = (
    ("complaint", "Parcel arrived damaged", "The box was crushed and the jar inside is broken."),
    ("complaint", "Charged twice", "My card shows two payments for one order."),
    ("request", "Change delivery address", "Please send my order to my office instead."),
    ("request", "Invoice with tax number", "I need an invoice with our NPWP for the last order."),
    ("request", "Where is my order?", "Ordered five days ago, no tracking number yet."),
    ("suggestion", "Offer a refill pack", "A refill pack would save plastic and money."),
    ("complaint", "Rude courier", "The courier threw the parcel over the fence."),
    ("request", "Cancel my subscription", "Please stop the monthly box from next month."),
)
SOON = (1, 2, 6)  # backlog tickets that breach soon whatever the day and hour
REPLY = "Thank you for telling us. We are looking into it and will be back to you today."
NOTE = "Checked the order in the warehouse system: shipped in two parcels."


def _setup() -> tuple[list[User], Team]:
    calendar, _ = BusinessCalendar.objects.update_or_create(
        name="Jakarta office",
        defaults={"time_zone": "Asia/Jakarta", "workdays": "0,1,2,3,4",
                  "day_start": time(8), "day_end": time(17)},
    )
    for day, name in HOLIDAYS_2026:
        Holiday.objects.get_or_create(calendar=calendar, day=day, defaults={"name": name})
    for priority, (response, resolution, business) in POLICIES.items():
        SlaPolicy.objects.update_or_create(
            priority=priority,
            defaults={"response_minutes": response, "resolution_minutes": resolution,
                      "calendar": calendar if business else None},
        )
    agents = list(User.objects.filter(username__in=("demo-support", "demo")).order_by("username"))
    care, _ = Team.objects.get_or_create(name="Customer care")
    billing, _ = Team.objects.get_or_create(name="Billing")
    tickets_sla_recompute(now=timezone.now(), missing_only=True)  # the imported open ones
    care.members.set(agents)
    billing.members.set([a for a in agents if a.username == "demo-support"])
    return agents, care


def demo_desk_fill(*, seed: int, now: datetime | None = None) -> dict[str, int]:
    """Open the live backlog and the answered feedback; the counts written."""
    now = now or timezone.now()
    rng = np.random.default_rng([seed, 15])
    agents, care = _setup()
    support = next((a for a in agents if a.username == "demo-support"), None)
    Ticket.objects.filter(external_id__startswith=DESK_PREFIX).delete()
    buyers = list(
        Customer.objects.filter(orders__isnull=False).distinct().order_by("pk")
        .values_list("pk", flat=True)[:2000]
    )
    if not buyers:
        return {"desk tickets": 0, "survey answers": 0}
    chosen = rng.choice(buyers, size=min(len(buyers), 50), replace=False)
    customers = Customer.objects.in_bulk([int(pk) for pk in chosen])
    written = 0
    for i, pk in enumerate(chosen):
        kind, subject, body = SUBJECTS[i % len(SUBJECTS)]
        resolved = i >= 30  # the first 30 are the backlog
        age_hours = float(rng.uniform(2, 24 * 12) if resolved else rng.uniform(0.3, 60))
        priority = str(rng.choice(list(POLICIES), p=[0.1, 0.25, 0.5, 0.15]))
        breaching_soon = i in SOON  # urgent (calendar hours): answered, 3.3 of 4 hours gone
        if breaching_soon:
            priority, age_hours = "urgent", 3.3
        opened = now - timedelta(hours=age_hours)
        ticket = ticket_open(
            customer=customers[int(pk)], kind=kind, priority=priority, opened_at=opened,
            external_id=f"{DESK_PREFIX}{i + 1:04d}", subject=subject, body=body,
            assignee=support if i % 3 else None, team=care,
        )
        written += 1
        if i % 5 == 4 and not resolved:
            continue  # nobody has answered yet
        answered = opened + timedelta(hours=min(age_hours * 0.2, float(rng.uniform(0.2, 3))))
        if breaching_soon:
            answered = opened + timedelta(minutes=10)
        ticket_reply(ticket_id=ticket.pk, body=REPLY, user=support, now=answered, notify=False)
        if i % 4 == 0:
            ticket_reply(ticket_id=ticket.pk, body=NOTE, user=support, kind="note", now=answered)
        if not resolved:
            if i % 7 == 3:
                ticket_status_change(ticket_id=ticket.pk, status="waiting", user=support,
                                     now=answered)
            continue
        done = answered + timedelta(hours=float(rng.uniform(1, age_hours * 0.7)))
        ticket_status_change(
            ticket_id=ticket.pk, status="resolved", user=support, now=done, notify=False
        )
        if i % 4:
            fresh = Ticket.objects.get(pk=ticket.pk)
            ticket_satisfaction_record(
                token=csat_token_make(fresh), rating=int(rng.choice([2, 3, 4, 5, 5])),
                comment="Quick and friendly." if i % 2 else "", now=done + timedelta(hours=2),
            )
    return {"desk tickets": written, "survey answers": _survey(rng, now)}


def _survey(rng: np.random.Generator, now: datetime) -> int:
    """A round to the Italian customers, answered by about half of them."""
    earlier = SurveyAnswer.objects.filter(invitation__survey_round__name=SURVEY_NAME)
    Ticket.objects.filter(origin="survey", customer__in=earlier.values("customer")).delete()
    earlier.delete()
    SurveyRound.objects.filter(name=SURVEY_NAME).delete()
    segment, _ = Segment.objects.get_or_create(name="Italy", defaults={"query": "country=IT"})
    sent = survey_round_send(
        name=SURVEY_NAME, segment=segment, now=now - timedelta(days=10), answer_days=40
    )
    answers = 0
    for n, invitation in enumerate(sent.survey_round.invitations.order_by("pk")[:200]):
        if rng.random() < 0.5:
            continue
        score = int(rng.choice(range(11), p=[0.02] * 5 + [0.05, 0.08, 0.13, 0.2, 0.22, 0.22]))
        survey_answer_by_token(
            token=invitation.token, nps=score, now=now - timedelta(hours=200 - n),
            comment=("Ottimo servizio" if score >= 9 else "Consegna lenta" if score <= 6 else ""),
        )
        answers += 1
    return answers
