"""The duplicates page (suspected pairs, merge, undo) and a won lead's conversion page.

Only admins and managers merge: for anyone else the duplicates page is a 404, like a customer
they may not see. A lead's conversion is open to its owner and to admins and managers.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from daur.actions.customers_merge import MergeRefused, customer_merge, customer_merge_undo
from daur.actions.leads_convert import (
    ConversionRefused,
    lead_conversion_candidates,
    lead_convert,
)
from daur.analytics.duplicates import Evidence, PairScore
from daur.customers.duplicates import duplicate_pairs_scored, suspected_pairs
from daur.customers.models import Customer, CustomerMerge
from daur.leads.models import Lead
from daur.leads.selectors import lead_get, lead_writable_by

PAIRS_PER_PAGE = 25
# Finding the pairs reads the whole base: the result is kept until a customer changes or this
# many seconds pass, whichever comes first.
PAIRS_CACHE_SECONDS = 300


def _managing(request: HttpRequest) -> None:
    if not request.user.sees_everything:
        raise Http404("No such page")


def _base_version() -> str:
    """Changes whenever a customer is added, edited, deleted or merged."""
    stamp = Customer.objects.aggregate(n=Max("id"), at=Max("updated_at"))
    merges = CustomerMerge.objects.aggregate(n=Max("id"), at=Max("undone_at"))
    count = Customer.objects.count()
    return f"{count}:{stamp['n']}:{stamp['at']}:{merges['n']}:{merges['at']}"


def _scored_pairs() -> list[PairScore]:
    key = "daur:duplicates:" + _base_version().replace(" ", "_")
    scored = cache.get(key)
    if scored is None:
        scored = duplicate_pairs_scored()
        cache.set(key, scored, PAIRS_CACHE_SECONDS)
    return scored


def evidence_phrase(evidence: Evidence) -> str:
    labels = {
        "email": _("e-mail"),
        "phone": _("phone"),
        "name": _("name"),
        "company": _("company"),
        "domain": _("e-mail domain"),
        "city": _("city"),
    }
    label = labels[evidence.field]
    if evidence.match == "same":
        return _("same %(field)s %(value)s") % {"field": label, "value": evidence.detail}
    if evidence.match == "different":
        return _("different %(field)s") % {"field": label}
    return _("%(field)s %(similarity)s alike") % {"field": label, "similarity": evidence.detail}


def evidence_html(scored: PairScore) -> str:
    return format_html(
        '<ul class="list-unstyled small mb-0 text-break">{}</ul>',
        format_html_join(
            "",
            '<li class="{}">{}</li>',
            (("text-danger" if e.weight < 0 else "", evidence_phrase(e)) for e in scored.evidence),
        ),
    )


@login_required
@require_GET
def duplicates(request: HttpRequest) -> HttpResponse:
    _managing(request)
    scored = _scored_pairs()
    page = Paginator(scored, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    pairs = suspected_pairs(list(page.object_list))
    rows = [{"pair": pair, "evidence": evidence_html(pair.scored)} for pair in pairs]
    context = {
        "page": page,
        "rows": rows,
        "total": len(scored),
        "merges": CustomerMerge.objects.select_related("merged_by")[:10],
    }
    return render(request, "web/customers/duplicates.html", context)


@login_required
@require_POST
def duplicates_merge(request: HttpRequest) -> HttpResponse:
    _managing(request)
    keep_id = request.POST.get("keep", "")
    duplicate_id = request.POST.get("duplicate", "")
    if not keep_id or not duplicate_id:
        messages.error(request, _("Choose which customer to keep."))
        return redirect("web:duplicates")
    try:
        [merge] = customer_merge(
            keep_id=keep_id,
            duplicate_ids=[duplicate_id],
            user=request.user,
            score=_float(request.POST.get("score")),
            evidence=request.POST.get("evidence", "")[:2000],
        )
    except MergeRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("web:duplicates")
    messages.success(
        request,
        _("Merged %(duplicate)s into %(kept)s: %(moved)s records moved.")
        % {
            "duplicate": merge.duplicate_external_id,
            "kept": merge.kept_external_id,
            "moved": merge.moved_count,
        },  # fmt: skip
    )
    return redirect(reverse("web:duplicates") + f"?page={request.POST.get('page', '1')[:6]}")


@login_required
@require_POST
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    _managing(request)
    try:
        merge = customer_merge_undo(merge_id=merge_id, user=request.user)
    except MergeRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("Merge undone: %(duplicate)s is back with what moved.")
            % {"duplicate": merge.duplicate_external_id},
        )
    return redirect("web:duplicates")


def _float(text: str | None) -> float | None:
    try:
        value = float(text or "")
    except ValueError:
        return None
    return value if 0 <= value <= 1 else None


def _lead_for(request: HttpRequest, lead_id: int) -> Lead:
    """A lead the user may work on (the lead pipeline's rule); else a 404."""
    lead = lead_get(user=request.user, lead_id=lead_id)
    if not lead_writable_by(request.user, lead):
        raise Http404("No such lead")
    return lead


@login_required
@require_http_methods(["GET", "POST"])
def lead_convert_page(request: HttpRequest, lead_id: int) -> HttpResponse:
    """GET: the confirmation, with the customers the lead duplicates; POST: convert."""
    lead = _lead_for(request, lead_id)
    if request.method == "POST":
        choice = request.POST.get("into", "new")
        try:
            customer_id = None if choice == "new" else int(choice)
            conversion = lead_convert(lead_id=lead.pk, customer_id=customer_id)
        except (ValueError, ConversionRefused) as refusal:
            messages.error(request, str(refusal) if isinstance(refusal, ConversionRefused)
                           else _("Choose a customer or a new one."))  # fmt: skip
            return redirect("web:lead_convert", lead_id=lead.pk)
        return redirect("web:customer", customer_id=conversion.customer.pk)
    refusal = ""
    if lead.converted_customer_id or lead.converted_at:
        refusal = _("This lead was already converted.")
    elif lead.stage != "won":
        refusal = _("Only a won lead becomes a customer.")
    candidates = [] if refusal else lead_conversion_candidates(lead=lead)[:5]
    customers = Customer.objects.in_bulk([c.b for c in candidates])
    options = [
        {"customer": customers[c.b], "score": c.score, "evidence": evidence_html(c)}
        for c in candidates
        if c.b in customers
    ]
    context = {"lead": lead, "options": options, "refusal": refusal}
    return render(request, "web/leads/convert.html", context, status=409 if refusal else 200)
