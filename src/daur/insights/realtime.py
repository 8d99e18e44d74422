"""Scheduling real-time re-scores: after the transaction that changed a customer commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

logger = logging.getLogger(__name__)
# An import touching more customers than this leaves them to the next `daur score`.
REALTIME_LIMIT = 1000


def customers_rescore_on_commit(*, customer_ids: Iterable[int]) -> None:
    """Re-score these customers once the current transaction commits (at once if none)."""
    ids = sorted({int(pk) for pk in customer_ids if pk is not None})
    if not ids:
        return

    def rescore() -> None:
        from daur.insights.services import customers_rescore

        try:
            customers_rescore(customer_ids=ids)
        except Exception:  # a failed re-score must not undo the write that triggered it
            logger.exception("real-time re-score failed for customers %s", ids[:20])

    transaction.on_commit(rescore)


def leads_rescore_on_commit(*, lead_ids: Iterable[int]) -> None:
    """Re-score these open leads with the last learned lead model once the current transaction
    commits (at once if none), then the prospects they are linked to (their `start` strategy
    reads the lead score)."""
    ids = sorted({int(pk) for pk in lead_ids if pk is not None})
    if not ids:
        return

    def rescore() -> None:
        from daur.insights.lead_scores import leads_rescore
        from daur.insights.services import customers_rescore, rules_config
        from daur.leads.models import Lead

        try:
            leads_rescore(lead_ids=ids, rules=rules_config().leads)
            linked = Lead.objects.filter(pk__in=ids, converted_customer__isnull=False)
            customers = linked.values_list("converted_customer_id", flat=True)
            customers_rescore(customer_ids=list(customers))
        except Exception:  # a failed re-score must not undo the write that triggered it
            logger.exception("real-time re-score failed for leads %s", ids[:20])

    transaction.on_commit(rescore)
