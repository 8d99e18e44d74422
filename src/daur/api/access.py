"""The role rules as the API applies them, all from the apps' own access helpers: what a user's
lists hold, and who writes records the way the import does."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from daur.accounts.models import User
from daur.api.errors import ApiError
from daur.customers.access import customers_visible_to, sees_all_customers
from daur.leads.selectors import leads_visible_to


def through_customer(qs: QuerySet, user: User, *, or_lead: bool = False) -> QuerySet:
    """The records of `qs` (each with a customer, or else a lead when `or_lead`) the user may
    see: those of the customers (and leads) the user sees."""
    if sees_all_customers(user):
        return qs
    seen = Q(customer__in=customers_visible_to(user))
    if or_lead:
        seen |= Q(lead__in=leads_visible_to(user))
    return qs.filter(seen)


def importing_allowed(user: User) -> bool:
    """Writing records as the import does (bulk, or one at a time by external id) is for the
    roles that run imports: admins and managers."""
    return user.is_authenticated and user.is_active and user.sees_everything


def require_importing(user: User) -> None:
    if not importing_allowed(user):
        raise ApiError(403, "Only admins and managers write records through the import.")
