"""Who may do what with customers: the one home of the role rules the pages, exports and actions
check (sales reps own their customers; admins and managers see and edit all; marketers and
support agents read)."""

from __future__ import annotations

from django.db.models import QuerySet

from daur.accounts.models import Role, User
from daur.customers.models import Customer


def sees_all_customers(user: User) -> bool:
    """The role rule: sales reps see the customers they own; every other role sees them all.

    Admins and managers see and manage everything; marketers (they build segments and
    campaigns) and support agents (a caller may be anyone's customer) see every customer,
    read-only.
    """
    return user.sees_everything or user.role in (Role.MARKETER, Role.SUPPORT_AGENT)


def customers_visible_to(user: User) -> QuerySet[Customer]:
    """The customers the user may see (none for an anonymous or inactive user)."""
    if not user.is_authenticated or not user.is_active:
        return Customer.objects.none()
    if sees_all_customers(user):
        return Customer.objects.all()
    return Customer.objects.filter(owner=user)


def customers_editable_by(user: User) -> QuerySet[Customer]:
    """The customers the user may change: admins and managers any, a sales rep the ones they
    own; marketers and support agents none (they read)."""
    if not user.is_authenticated or not user.is_active:
        return Customer.objects.none()
    if user.sees_everything:
        return Customer.objects.all()
    if user.role == Role.SALES_REP:
        return Customer.objects.filter(owner=user)
    return Customer.objects.none()


def customer_editable_by(user: User, customer: Customer) -> bool:
    """customers_editable_by's rule for one customer already read (no query)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.sees_everything or (
        user.role == Role.SALES_REP and customer.owner_id == user.pk
    )


def customers_creatable_by(user: User) -> bool:
    """Admins, managers and sales reps add customers (a rep's own); the other roles read."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.sees_everything or user.role == Role.SALES_REP)
    )


def customers_exportable_by(user: User) -> bool:
    """Support agents look customers up one at a time; they do not export the base."""
    return user.is_authenticated and (user.sees_everything or user.role != Role.SUPPORT_AGENT)


def customer_activities_writable_by(user: User, customer: Customer) -> bool:
    """Who logs and plans activities with a customer: admins and managers, and the sales rep who
    owns it (marketers and support agents read the 360 page)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.sees_everything or (user.role == Role.SALES_REP and customer.owner_id == user.pk)
