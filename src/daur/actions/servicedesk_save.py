""""Save" tickets: the scoring run opens one for a detractor (latest NPS answer in the detractor
band, daur.definitions.surveys) with a high CLV whose P(alive) fell since the previous run — a
valuable customer slipping away. One open save ticket per customer: a customer who has one gets
no other (not a database constraint: merging two customers may bring two together)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_noop

from daur.actions.servicedesk import ticket_open
from daur.definitions.surveys import detractor_q
from daur.insights.models import CustomerScore
from daur.servicedesk.models import OPEN_STATUSES, Ticket
from daur.surveys.models import SurveyAnswer

# "High CLV": among the top fifth of the scored customers by 12-month CLV.
HIGH_VALUE_SHARE = 0.2
# P(alive) must have fallen by at least this much since the previous run.
P_ALIVE_FALL = 0.05
SAVE_SUBJECT = gettext_noop("Save: a valuable detractor whose P(alive) is falling")


def detractors_p_alive() -> dict[int, float | None]:
    """Every customer whose latest NPS answer is a detractor's, with the P(alive) stored now
    (read before a run replaces the scores)."""
    candidates = SurveyAnswer.objects.filter(detractor_q()).values("customer_id").distinct()
    latest = SurveyAnswer.objects.filter(customer=OuterRef("customer")).order_by("-answered_at")
    scores = (
        CustomerScore.objects.filter(customer__in=candidates)
        .annotate(latest_nps=Subquery(latest.values("nps")[:1]))
        .filter(detractor_q(field="latest_nps"))
    )
    return dict(scores.values_list("customer_id", "p_alive"))


def high_value_clv() -> float | None:
    """The 12-month CLV from which a customer counts as high value (None: nobody scored)."""
    scored = CustomerScore.objects.filter(clv_12m__isnull=False)
    n = scored.count()
    if not n:
        return None
    rank = max(0, int(n * HIGH_VALUE_SHARE) - 1)
    return scored.order_by("-clv_12m").values_list("clv_12m", flat=True)[rank]


def tickets_save_open(
    *, before: dict[int, float | None], now: datetime | None = None
) -> list[Ticket]:
    """After a scoring run: a save ticket for each detractor of `before` (their P(alive) before
    the run) who is still a detractor, is of high value and whose P(alive) fell. Idempotent: a
    customer with an open save ticket gets none."""
    now = now or timezone.now()
    if not before:
        return []
    floor = high_value_clv()
    if floor is None:
        return []
    after = detractors_p_alive()
    rows = CustomerScore.objects.filter(
        customer_id__in=[pk for pk in after if pk in before], clv_12m__gte=floor
    ).select_related("customer")
    has_open = set(
        Ticket.objects.filter(origin="save", status__in=OPEN_STATUSES).values_list(
            "customer_id", flat=True
        )
    )
    opened = []
    for score in rows:
        previous = before[score.customer_id]
        fell = previous is not None and score.p_alive is not None and (
            previous - score.p_alive >= P_ALIVE_FALL
        )
        if not fell or score.customer_id in has_open:
            continue
        opened.append(
            ticket_open(
                customer=score.customer, kind="request", priority="high", opened_at=now,
                subject=SAVE_SUBJECT, origin="save",
            )
        )
    return opened
