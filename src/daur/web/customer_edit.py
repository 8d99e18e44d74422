"""The pages that add and change a customer: thin, the form validates and daur.actions writes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from daur.actions.customers import (
    CustomerChanged,
    customer_create,
    customer_update,
    customer_version,
)
from daur.customers.access import customers_creatable_by, customers_editable_by
from daur.customers.models import Customer
from daur.web.customer_form import CustomerForm


def _saved(request: HttpRequest, customer: Customer, message: str) -> HttpResponse:
    """To the customer's 360 page: a redirect, or for htmx an HX-Redirect (a full page load)."""
    messages.success(request, message)
    url = reverse("web:customer", args=[customer.pk])
    if getattr(request, "htmx", None):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _posted(request: HttpRequest):  # noqa: ANN202 - a QueryDict or None
    """The posted values (an empty post too: it is checked, not shown as a fresh form)."""
    return request.POST if request.method == "POST" else None


def _form_page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    """The whole page, or for htmx the form alone (its errors shown in place: htmx swaps in
    a 200 only, so the refusal's status is for the plain form)."""
    htmx = getattr(request, "htmx", None)
    template = "web/customers/_form.html" if htmx else "web/customers/form.html"
    response = render(request, template, context, status=200 if htmx else status)
    response["Vary"] = "HX-Request"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def customer_new(request: HttpRequest) -> HttpResponse:
    if not customers_creatable_by(request.user):
        raise PermissionDenied
    form = CustomerForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        customer = customer_create(user=request.user, values=form.values())
        return _saved(request, customer, gettext("Customer added."))
    status = 400 if form.is_bound else 200
    return _form_page(request, {"form": form, "customer": None}, status)


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customers_editable_by(request.user).filter(pk=customer_id).first()
    if customer is None:  # another rep's customer, or a role that only reads: nothing to see
        raise Http404("No such customer")
    form = CustomerForm(_posted(request), instance=customer, user=request.user)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_update(
                user=request.user,
                customer_id=customer.pk,
                values=form.values(),
                version=form.cleaned_data.get("version", ""),
            )
        except Customer.DoesNotExist as error:  # its owner changed while the form was open
            raise Http404("No such customer") from error
        except CustomerChanged as changed:
            conflict = True
            # The user's values stay in the form; saving again puts them over the new ones.
            data = request.POST.copy()
            data["version"] = customer_version(changed.customer)
            form = CustomerForm(data, instance=changed.customer, user=request.user)
            form.is_valid()
        else:
            return _saved(request, customer, gettext("Changes saved."))
    status = 409 if conflict else 400 if form.is_bound else 200
    context = {"form": form, "customer": customer, "conflict": conflict}
    return _form_page(request, context, status)
