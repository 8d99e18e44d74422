"""Who may do what with saved segments (docs/segments.md): admins, managers and marketers create
and see them; sales reps see them, with the figures over the customers they own; support agents
do not."""

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
