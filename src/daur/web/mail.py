"""E-mail pages: the one-click unsubscribe page (no login), the outbox with each message as sent,
and a staff member's record of a customer's consent (docs/email.md)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from daur.actions.mail import (
    TokenRefused,
    consent_set,
    unsubscribe,
    unsubscribe_target,
)
from daur.actions.mail_send import message_text, unsubscribe_url
from daur.customers.access import customer_editable_by
from daur.customers.selectors import customer_get
from daur.engagement.mail_access import consent_changes, outbox_sendable_by, outbox_visible_to
from daur.engagement.models import EmailConsent, EmailConsentChange, OutboundEmail
from daur.jobs import emails_dispatch

PAGE = 50
# The codes a skipped message carries, in words (a failure carries the mail server's words).
REASONS = {
    "no_email": gettext_lazy("No e-mail address"),
    "opted_out": gettext_lazy("Opted out of e-mail"),
    "same_source": gettext_lazy("Already sent this customer from the same campaign"),
}


def reason_text(email: OutboundEmail) -> str:
    return str(REASONS.get(email.reason, email.reason))


# Unsubscribe ---------------------------------------------------------------------------------


def _language(email: OutboundEmail) -> str:
    return email.customer.language or email.language or settings.LANGUAGE_CODE


def _already(email: OutboundEmail) -> bool:
    used = EmailConsentChange.objects.filter(
        email=email, source=EmailConsentChange.Source.UNSUBSCRIBE
    ).exists()
    record = EmailConsent.objects.filter(customer_id=email.customer_id).first()
    opted_out = record is not None and record.status == EmailConsent.Status.OPTED_OUT
    return used or opted_out


@csrf_exempt  # the one-click POST of RFC 8058 comes from a mail client, without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirmation page in the customer's language with one button; POST (the button,
    or a mail client's one-click request): opt the customer out. A token not made here is a
    400; a link used before says so and changes nothing."""
    try:
        email = unsubscribe_target(token)
    except TokenRefused:
        return render(request, "web/mail/unsubscribe_refused.html", status=400)
    with translation.override(_language(email)):
        if request.method == "POST":
            state = "done" if unsubscribe(token) else "already"
        else:
            state = "already" if _already(email) else "ask"
        context = {"state": state, "address": email.to_address, "token": token,
                   "business": settings.DAUR_BUSINESS_NAME}
        response = render(request, "web/mail/unsubscribe.html", context)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# Outbox --------------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


@login_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """The outbound e-mail, newest first, filtered by status and source; pages of PAGE by id."""
    status = request.GET.get("status", "")
    source = request.GET.get("source", "").strip()[:64]
    before = _int(request.GET.get("before"))
    customer = _int(request.GET.get("customer"))
    emails = outbox_visible_to(request.user).select_related("customer")
    if status in OutboundEmail.Status.values:
        emails = emails.filter(status=status)
    else:
        status = ""
    if source:
        emails = emails.filter(source=source)
    if customer:
        emails = emails.filter(customer_id=customer)
    if before:
        emails = emails.filter(pk__lt=before)
    rows = list(emails.order_by("-pk")[: PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    query = {k: v for k, v in (("status", status), ("source", source)) if v}
    if customer:
        query["customer"] = customer
    context = {
        "rows": [(email, reason_text(email)) for email in rows],
        "status": status,
        "source": source,
        "statuses": OutboundEmail.Status.choices,
        "older": (rows[-1].pk if more else None),
        "query": query,
        "can_send": outbox_sendable_by(request.user),
    }
    return render(request, "web/mail/outbox.html", context)


@login_required
@require_GET
def outbox_message(request: HttpRequest, email_id: int) -> HttpResponse:
    email = outbox_visible_to(request.user).select_related("customer").filter(pk=email_id).first()
    if email is None:
        raise Http404("No such message")
    link = "" if email.transactional else unsubscribe_url(email)  # service mail: none
    context = {
        "email": email,
        "reason": reason_text(email),
        "link": link,
        "text": message_text(email, link=link or None),
        "sender": settings.DEFAULT_FROM_EMAIL,
    }
    return render(request, "web/mail/message.html", context)


@login_required
@require_POST
def outbox_send(request: HttpRequest) -> HttpResponse:
    """Send the queued e-mail now (a Celery task; in-process on the embedded default)."""
    if not outbox_sendable_by(request.user):
        raise PermissionDenied
    result = emails_dispatch()
    if result is None:
        messages.info(request, gettext("Sending started."))
    elif result["error"]:
        messages.error(
            request, gettext("The mail server could not be reached; the rest stays queued.")
        )
    else:
        messages.success(
            request,
            ngettext("%(n)d e-mail sent.", "%(n)d e-mails sent.", result["sent"])
            % {"n": result["sent"]},
        )
    return HttpResponseRedirect(reverse("web:outbox"))


@login_required
@require_POST
def customer_consent(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A staff member records a customer's opt-in or opt-out (with its history)."""
    customer = customer_get(user=request.user, customer_id=customer_id)
    if not customer_editable_by(request.user, customer):
        raise PermissionDenied
    status = request.POST.get("status", "")
    if status not in (EmailConsent.Status.OPTED_IN, EmailConsent.Status.OPTED_OUT):
        messages.error(request, gettext("Choose opted in or opted out."))
    elif consent_set(customer_id=customer.pk, status=status, source="staff", user=request.user):
        messages.success(request, gettext("Consent to e-mail recorded."))
    else:
        messages.info(request, gettext("The consent to e-mail was already so."))
    return HttpResponseRedirect(reverse("web:customer", args=[customer.pk]) + "#consent-title")


def consent_card(user, customer) -> dict:  # noqa: ANN001 - a User, a Customer
    """The 360 page's consent card: the status in words, its changes, whether the user records."""
    record = EmailConsent.objects.filter(customer_id=customer.pk).first()
    if record is not None:
        label = record.get_status_display()
    elif not customer.email_consent:
        label = EmailConsent.Status.OPTED_OUT.label
    else:
        label = EmailConsent.Status.UNKNOWN.label
    return {
        "label": label,
        "changes": consent_changes(customer.pk),
        "can_record": customer_editable_by(user, customer),
    }
