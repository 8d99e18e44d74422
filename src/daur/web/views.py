"""Views of the web application: thin, they call selectors and render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from daur.web.selectors import base_counts


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"counts": base_counts()})
