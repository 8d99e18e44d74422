"""The user's profile page: who they are, and their API tokens (made, the secret shown once;
revoked)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from daur.accounts.tokens import NAME_MAX, TokenRefused, token_create, token_revoke, tokens_of


def _page(request: HttpRequest, secret: str = "", status: int = 200) -> HttpResponse:
    context = {"tokens": tokens_of(request.user), "secret": secret, "name_max": NAME_MAX}
    return render(request, "web/profile.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """GET: the page; POST: a new token, its secret on the page this once (never stored)."""
    if request.method == "GET":
        return _page(request)
    try:
        made = token_create(user=request.user, name=request.POST.get("name", ""))
    except TokenRefused:
        messages.error(request, gettext("Give the token a name of at most 100 characters."))
        return _page(request, status=400)
    return _page(request, secret=made.secret, status=201)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token_revoke(token_id=token_id, user=request.user)
    except TokenRefused:
        messages.error(request, gettext("No such token."))
    else:
        messages.success(request, gettext("Token revoked."))
    return HttpResponseRedirect(reverse("web:profile"))
