"""Who may do what with the community (docs/community.md): admins, managers and marketers
manage events and clubs; sales reps see them with their own customers only; support agents read
them."""

from __future__ import annotations

from daur.accounts.models import Role, User


def community_manageable_by(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.sees_everything or user.role == Role.MARKETER)
    )


def community_visible_to(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)
