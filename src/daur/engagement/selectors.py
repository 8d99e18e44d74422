"""Reads of engagement: a customer's or a lead's activities, the open ones first."""

from __future__ import annotations

from django.db.models import F

from daur.engagement.models import Interaction

DONE_SHOWN = 50


def activities_of(*, customer=None, lead=None, limit: int = DONE_SHOWN):  # noqa: ANN001, ANN201
    """(open activities, soonest due first; the latest `limit` done ones, newest first)."""
    party = {"lead": lead} if lead is not None else {"customer": customer}
    qs = Interaction.objects.filter(**party).select_related("user")
    open_ = list(qs.filter(done=False).order_by(F("due_at").asc(nulls_last=True), "pk"))
    done = list(qs.filter(done=True).order_by("-occurred_at", "-pk")[:limit])
    return open_, done
