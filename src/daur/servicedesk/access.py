"""Who may do what at the service desk: support agents, managers and admins work tickets and read
internal notes; a sales rep reads the tickets of the customers they own (without notes);
marketers read every ticket (without notes)."""

from __future__ import annotations

from django.db.models import QuerySet

from daur.accounts.models import Role, User
from daur.servicedesk.models import Ticket


def _active(user: User) -> bool:
    return user.is_authenticated and user.is_active


def tickets_workable_by(user: User) -> bool:
    """Open, reply, assign and move tickets: the desk (support agents) and its bosses."""
    return _active(user) and (user.sees_everything or user.role == Role.SUPPORT_AGENT)


def opened_ticket_assignee(user: User) -> User | None:
    """Who works a ticket the user opens at the desk: a support agent the agent's own; a
    manager's or an admin's waits in the queue for an agent."""
    return user if user.role == Role.SUPPORT_AGENT else None


def ticket_notes_visible_to(user: User) -> bool:
    """Internal notes are the desk's own: nobody else reads them."""
    return tickets_workable_by(user)


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    if not _active(user):
        return Ticket.objects.none()
    if tickets_workable_by(user) or user.role == Role.MARKETER:
        return Ticket.objects.all()
    if user.role == Role.SALES_REP:
        return Ticket.objects.filter(customer__owner=user)
    return Ticket.objects.none()
