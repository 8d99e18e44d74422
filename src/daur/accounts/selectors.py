"""Reads of users."""

from __future__ import annotations

from django.db import connection

from daur.accounts.models import Role, User


def owner_choices() -> list[tuple[int, str]]:
    """(id, display name) of the active users who may own customers, by user name.

    The display name is User.get_full_name(), else the user name. Read with one plain query: the
    customer list's filter form asks on every page.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, first_name, last_name, username FROM {User._meta.db_table} "
            "WHERE is_active AND role <> %s ORDER BY username",
            [Role.SUPPORT_AGENT],
        )
        return [
            (pk, f"{first} {last}".strip() or username)
            for pk, first, last, username in cursor.fetchall()
        ]
