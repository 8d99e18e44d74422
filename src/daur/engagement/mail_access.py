"""Who sees and sends the outbound e-mail (docs/email.md): every role reads the outbox, a sales
rep only the messages to the customers they own; admins, managers and marketers send the queue;
support agents and sales reps read."""

from __future__ import annotations

from django.db.models import QuerySet

from daur.accounts.models import Role, User
from daur.customers.access import sees_all_customers
from daur.engagement.mail_models import EmailConsentChange, OutboundEmail


def outbox_visible_to(user: User) -> QuerySet[OutboundEmail]:
    if not user.is_authenticated or not user.is_active:
        return OutboundEmail.objects.none()
    if sees_all_customers(user):
        return OutboundEmail.objects.all()
    return OutboundEmail.objects.filter(customer__owner=user)


def outbox_sendable_by(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.sees_everything or user.role == Role.MARKETER)
    )


def consent_changes(customer_id: int, limit: int = 20) -> list[EmailConsentChange]:
    """A customer's consent changes, newest first, with who made them."""
    return list(
        EmailConsentChange.objects.filter(customer_id=customer_id)
        .select_related("user")
        .order_by("-changed_at", "-pk")[:limit]
    )
