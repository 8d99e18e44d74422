"""`Idempotency-Key` (the IETF httpapi idempotency-key draft): the first answer to a key is kept
for DAUR_API_IDEMPOTENCY_HOURS and returned to each retry with the same body, which writes
nothing; the key reused with another body is a 422, and a retry while the first request runs a
409. The key belongs to the client (the token, else the user): a unique row inserted, and
committed, before the work starts, so that of concurrent duplicates exactly one does it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from daur.api.errors import ApiError
from daur.api.limits import client_key
from daur.api.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_MAX = 255
REPLAYED = "Idempotent-Replayed"
# Answers not kept: the client should retry these (a rate limit, a conflict).
NOT_KEPT = (409, 429)
# A first request running for longer than this died on the way (its work was rolled back).
ABANDONED = timedelta(minutes=15)


def expiry() -> timedelta:
    return timedelta(hours=float(settings.DAUR_API_IDEMPOTENCY_HOURS))


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _key(request: HttpRequest) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip().strip('"')  # the draft sends it as a quoted string
    if not key or len(key) > KEY_MAX or not key.isascii() or not key.isprintable():
        raise ApiError(
            400, f"{HEADER}: 1 to {KEY_MAX} printable ASCII characters, such as a UUID.",
            [{"field": HEADER, "reason": "is not a usable key"}],
        )
    return key


def idempotent(
    request: HttpRequest, run: Callable[[], tuple[int, dict[str, Any]]]
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, body, headers) of `run()`, or of the first request with this key."""
    key = _key(request)
    if key is None:
        status, body = run()
        return status, body, {}
    client, fingerprint, now = client_key(request), _fingerprint(request), timezone.now()
    for _ in range(3):
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    client=client, key=key, fingerprint=fingerprint, created_at=now,
                    expires_at=now + expiry(),
                )
            break
        except IntegrityError:
            found = IdempotencyKey.objects.filter(client=client, key=key).first()
            if found is None:
                continue  # expired and deleted meanwhile: insert again
            if found.expires_at <= now or (
                found.status is None and found.created_at <= now - ABANDONED
            ):
                IdempotencyKey.objects.filter(pk=found.pk, created_at=found.created_at).delete()
                continue
            return _replay(found, fingerprint)
    else:
        raise ApiError(409, "The idempotency key is busy; retry shortly.",
                       headers={"Retry-After": "1"})
    headers = {HEADER: key}
    if row.pk % 100 == 0:
        expired_delete()
    try:
        with transaction.atomic():  # the answer is kept with what it wrote, or not at all
            status, body = run()
            _keep(row, status, body)
    except ApiError as refusal:
        if refusal.status in NOT_KEPT:
            row.delete()
            raise
        body = {"detail": refusal.detail, "errors": refusal.errors}
        _keep(row, refusal.status, body)
        raise
    except BaseException:
        row.delete()
        raise
    return status, body, headers


def _keep(row: IdempotencyKey, status: int, body: dict[str, Any]) -> None:
    IdempotencyKey.objects.filter(pk=row.pk).update(
        status=status, body=json.dumps(body, default=str)
    )


def _replay(found: IdempotencyKey, fingerprint: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    if found.fingerprint != fingerprint:
        raise ApiError(
            422, "This Idempotency-Key was used with another request body; use a new key.",
            [{"field": HEADER, "reason": "was used with another request"}],
        )
    if found.status is None:
        raise ApiError(409, "The first request with this Idempotency-Key is still running.",
                       headers={"Retry-After": "1"})
    body = json.loads(found.body)
    headers = {HEADER: found.key, REPLAYED: "true"}
    if found.status >= 400:
        raise ApiError(found.status, body.get("detail", ""), body.get("errors", []),
                       headers=headers)
    return found.status, body, headers


def expired_delete() -> int:
    """Drop the keys past their expiry (run from time to time; a retry after it runs anew)."""
    return IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).delete()[0]
