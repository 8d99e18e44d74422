"""The satisfaction page a customer opens from the link sent on resolution (/csat/<token>/): no
login, in the customer's language, a 1-5 rating and a comment, answered once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from daur.actions.servicedesk_csat import (
    RATINGS,
    CsatRefused,
    csat_ticket,
    ticket_satisfaction_record,
)
from daur.customers.language import customer_language


def refusal_text(reason: str) -> str:
    return {
        "tampered": _("This link is not valid. Please use the link from your message as it is."),
        "expired": _("This link has expired. Thank you all the same."),
        "stale": _("This request was reopened: we will ask you again once it is resolved."),
        "used": _("You have answered already. Thank you!"),
        "rating": _("Please pick a rating from 1 to 5."),
    }.get(reason, _("This link is not valid."))


@require_http_methods(["GET", "POST"])
def csat_answer(request: HttpRequest, token: str) -> HttpResponse:
    context: dict = {"ratings": list(RATINGS), "token": token}
    try:
        ticket = csat_ticket(token)
    except CsatRefused as refusal:
        context["refused"] = refusal_text(refusal.reason)
        status = 410 if refusal.reason in ("expired", "stale") else 404
        return render(request, "web/csat/page.html", context, status=status)
    with translation.override(customer_language(ticket.customer)):
        context.update(ticket=ticket, answered=ticket.satisfaction is not None)
        if request.method == "POST":
            comment = request.POST.get("comment", "")
            try:
                ticket_satisfaction_record(
                    token=token, rating=request.POST.get("rating", ""), comment=comment
                )
            except CsatRefused as refusal:
                if refusal.reason != "rating":
                    context["refused"] = refusal_text(refusal.reason)
                    return render(request, "web/csat/page.html", context, status=409)
                context.update(error=refusal_text(refusal.reason), comment=comment[:2000])
                return render(request, "web/csat/page.html", context, status=400)
            context.update(thanks=True, answered=True)
        elif context["answered"]:
            context["refused"] = refusal_text("used")
        response = render(request, "web/csat/page.html", context)
    return response
