"""Per-token rate limits, counted in the cache (Redis in production: shared by every process).

Two budgets a window (DAUR_API_RATE_WINDOW seconds): requests (DAUR_API_RATE_REQUESTS) and, for
the bulk endpoints, records (DAUR_API_RATE_RECORDS), so that sending 10,000 orders in one request
costs what they are, not one call. The counts are fixed windows: one `incr` a request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from daur.api.errors import ApiError


@dataclass(frozen=True)
class Budget:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


def client_key(request: HttpRequest) -> str:
    """Who is counted: the token, else (a session) the user."""
    token_id = getattr(request.user, "api_token_id", None)
    return f"t{token_id}" if token_id else f"u{request.user.pk}"


def charge(request: HttpRequest, *, units: int, budget: str = "requests") -> Budget:
    """Count `units` against the client's budget; ApiError 429 (with Retry-After) past it. The
    budget's state is kept on the request for the RateLimit headers of the response."""
    limit = int(
        settings.DAUR_API_RATE_RECORDS if budget == "records" else settings.DAUR_API_RATE_REQUESTS
    )
    window = max(int(settings.DAUR_API_RATE_WINDOW), 1)
    now = time.time()
    index = int(now // window)
    reset = max(int((index + 1) * window - now), 1)
    key = f"api-rate:{budget}:{client_key(request)}:{index}"
    cache.add(key, 0, timeout=window + 5)
    try:
        used = cache.incr(key, units)
    except ValueError:  # expired between add and incr
        cache.set(key, units, timeout=window + 5)
        used = units
    state = Budget(limit=limit, remaining=max(limit - used, 0), reset=reset)
    request.rate_budget = state
    if used > limit:
        what = "records" if budget == "records" else "requests"
        raise ApiError(
            429,
            f"Rate limit reached: {limit:,} {what} per {window} s. Retry after {reset} s.",
            headers={"Retry-After": str(reset), **state.headers()},
        )
    return state
