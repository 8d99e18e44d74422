"""API tokens: made (the secret shown once), found from the secret, revoked.

A token reads `daur_` followed by 40 random URL-safe characters (240 bits). Only its SHA-256 is
stored: with that much entropy a plain hash is as safe as a slow one, and lets a request find
its token by one index read.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils import timezone

from daur.accounts.models import ApiToken, User
from daur.db.prepared import prepared_cursor

PREFIX = "daur_"
SECRET_BYTES = 30
SHOWN_CHARS = 12  # the prefix kept in clear to tell tokens apart
# last_used_at is written at most this often, so that a busy token does not write on every call.
LAST_USED_EVERY = timedelta(minutes=1)
NAME_MAX = 100


class TokenRefused(ValueError):
    """A token cannot be made or revoked as asked (the message is one line)."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token, shown once


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def token_create(*, user: User, name: str = "", days: int | None = None) -> NewToken:
    """A new token for an active user; `days`: it expires after that many days."""
    if not user.is_active:
        raise TokenRefused(f"user {user.get_username()!r} is not active")
    name = name.strip()
    if len(name) > NAME_MAX or any(ord(c) < 32 for c in name):
        raise TokenRefused(f"the name takes at most {NAME_MAX} characters, no control characters")
    if days is not None and not 1 <= days <= 3650:
        raise TokenRefused("a token lasts from 1 to 3650 days")
    secret = PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    expires = timezone.now() + timedelta(days=days) if days else None
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:SHOWN_CHARS],
        secret_hash=secret_hash(secret),
        expires_at=expires,
    )
    return NewToken(token=token, secret=secret)


def token_user(secret: str) -> User | None:
    """The active user of a valid token (not revoked, not expired), else None; notes the use.

    One hand-written query, the token joined to its user (every API call runs it: composing it
    through the ORM cost more than the query itself), prepared on PostgreSQL (daur.db.prepared)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    with prepared_cursor() as cursor:
        cursor.execute(_TOKEN_USER_SQL, [secret_hash(secret)])
        row = cursor.fetchone()
    if row is None:
        return None
    token_pk, expires_at, last_used_at, *values = row
    now = timezone.now()
    if expires_at and _aware(expires_at) <= now:
        return None
    user = User.from_db(connection.alias, _USER_FIELDS, values)
    if not user.is_active:
        return None
    if last_used_at is None or now - _aware(last_used_at) >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token_pk).update(last_used_at=now)
    user.api_token_id = token_pk  # the rate limits and idempotency keys are per token
    return user


_USER_FIELDS = [f.attname for f in User._meta.concrete_fields]
_TOKEN_USER_SQL = (
    "SELECT t.id, t.expires_at, t.last_used_at, "
    + ", ".join(f'u."{f.column}"' for f in User._meta.concrete_fields)
    + f" FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id"
    " WHERE t.secret_hash = %s AND t.revoked_at IS NULL LIMIT 1"
)


def _aware(moment: datetime) -> datetime:
    """A moment from the driver (naive UTC on SQLite) as an aware one."""
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def token_revoke(*, token_id: int, user: User | None = None) -> ApiToken:
    """Revoke a token (one of `user`'s when given); TokenRefused for no such token."""
    tokens = ApiToken.objects.all() if user is None else ApiToken.objects.filter(user=user)
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise TokenRefused(f"no API token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def tokens_of(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user))
