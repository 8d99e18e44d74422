"""Recording an NPS answer: the customer is re-scored once it commits."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from daur.customers.models import Customer
from daur.insights.realtime import customers_rescore_on_commit
from daur.surveys.models import SurveyAnswer


@transaction.atomic
def survey_answer_record(
    *, customer: Customer, answered_at: datetime, nps: int, comment: str = ""
) -> SurveyAnswer:
    if not 0 <= nps <= 10:
        raise ValueError(f"an NPS is 0-10, not {nps}")
    answer = SurveyAnswer.objects.create(
        customer=customer, answered_at=answered_at, nps=nps, comment=comment
    )
    customers_rescore_on_commit(customer_ids=[customer.pk])
    return answer
