"""API tokens: made (the secret shown once), found from the secret, revoked.

A token reads `daur_` followed by 40 random URL-safe characters (240 bits). Only its SHA-256 is
stored: with that much entropy a plain hash is as safe as a slow one, and lets a request find
its token by one index read.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from daur.accounts.models import ApiToken, User

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
    """The active user of a valid token (not revoked, not expired), else None; notes the use."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    # [:1], not first(): one row by a unique key needs no ORDER BY.
    found = list(
        ApiToken.objects.select_related("user")
        .filter(secret_hash=secret_hash(secret), revoked_at__isnull=True)[:1]
    )
    token = found[0] if found else None
    now = timezone.now()
    if token is None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.user
    user.api_token_id = token.pk  # the rate limits and idempotency keys are per token
    return user


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
