"""Who may do what with saved segments (docs/segments.md): admins, managers and marketers create
and see them; sales reps see them, with the figures over the customers they own; support agents
do not. Campaigns (docs/campaigns.md): admins, managers and marketers manage them; sales reps see
the results over their own customers; support agents read them."""

from __future__ import annotations

from daur.accounts.models import Role, User


def segments_creatable_by(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.sees_everything or user.role == Role.MARKETER)
    )


def segments_visible_to(user: User) -> bool:
    return segments_creatable_by(user) or bool(
        user.is_authenticated and user.is_active and user.role == Role.SALES_REP
    )


def campaigns_manageable_by(user: User) -> bool:
    """Admins, managers and marketers create and launch campaigns."""
    return segments_creatable_by(user)


def campaigns_visible_to(user: User) -> bool:
    """Every active role reads campaigns: a sales rep the results over the customers they own,
    a support agent read-only."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (campaigns_manageable_by(user) or user.role in (Role.SALES_REP, Role.SUPPORT_AGENT))
    )
