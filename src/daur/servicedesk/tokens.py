"""Tokenised links a customer opens without logging in: signed (django.core.signing) with a
salt per purpose, so a link is neither guessed nor altered, and read back with a clear reason
when it cannot be used."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

CSAT_SALT = "daur.servicedesk.csat"
# A satisfaction link is answered within this many days of the resolution.
CSAT_MAX_AGE_DAYS = 30


class TokenRefused(ValueError):
    """A link that cannot be used: `reason` is "tampered" or "expired"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CsatToken:
    ticket_id: int
    resolved_at: str  # the resolution it asks about (ISO), so a reopened ticket's old link fails


def csat_token_make(ticket) -> str:  # noqa: ANN001 - a resolved Ticket
    return signing.dumps(
        {"t": ticket.pk, "r": ticket.resolved_at.isoformat()}, salt=CSAT_SALT, compress=True
    )


def csat_token_read(token: str, *, max_age_days: int = CSAT_MAX_AGE_DAYS) -> CsatToken:
    try:
        data = signing.loads(token, salt=CSAT_SALT, max_age=max_age_days * 86400)
    except signing.SignatureExpired:
        raise TokenRefused("expired") from None
    except signing.BadSignature:
        raise TokenRefused("tampered") from None
    try:
        return CsatToken(int(data["t"]), str(data["r"]))
    except (KeyError, TypeError, ValueError):
        raise TokenRefused("tampered") from None
