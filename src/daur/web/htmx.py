"""The htmx helper: a full page for a normal request, the partial alone for an htmx request."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(
    request: HttpRequest, page: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """Render `partial` for htmx (unless it asks for the whole page via a boosted link)."""
    htmx = getattr(request, "htmx", None)
    template = partial if htmx and not htmx.boosted else page
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response
