"""POST /inbound/email/: a mail provider's webhook hands the desk one e-mail as raw RFC 822
bytes (Content-Type message/rfc822), authenticated by the shared secret in the
X-Daur-Inbound-Secret header (DAUR_INBOUND_EMAIL_SECRET; unset, the endpoint does not exist).
Answers in JSON: 201 a ticket opened or added to, 200 a message taken before (by Message-ID),
413 too large, 422 refused (with the reason), 415 not message/rfc822, 403 a wrong secret."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from daur.actions.servicedesk_inbound import MailRefused, ticket_mail_take

HEADER = "HTTP_X_DAUR_INBOUND_SECRET"


def _length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt  # a mail provider posts it, with the shared secret instead of a session
@require_POST
def inbound_email(request: HttpRequest) -> JsonResponse:
    secret = settings.DAUR_INBOUND_EMAIL_SECRET
    if not secret:
        raise Http404
    given = request.META.get(HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return JsonResponse({"error": "wrong or missing secret"}, status=403)
    if request.content_type != "message/rfc822":
        return JsonResponse({"error": "send the message as message/rfc822"}, status=415)
    limit = settings.DAUR_INBOUND_EMAIL_MAX_BYTES
    if _length(request) > limit:
        return JsonResponse({"error": f"too large: the limit is {limit:,} bytes"}, status=413)
    # Read from the stream, not request.body: the message may be larger than Django's limit
    # for request bodies held in memory (DATA_UPLOAD_MAX_MEMORY_SIZE).
    raw = request.read(limit + 1)
    try:
        taken = ticket_mail_take(raw, via="webhook")
    except MailRefused as refusal:
        status = 413 if refusal.reason.startswith("too large") else 422
        return JsonResponse({"error": refusal.reason}, status=status)
    return JsonResponse(
        {
            "outcome": taken.outcome,
            "ticket": taken.reference,
            "new_contact": taken.new_contact,
        },
        status=200 if taken.outcome == "duplicate" else 201,
    )
