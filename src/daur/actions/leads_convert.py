"""Converting a won lead into a customer: a new one, or the existing customer it duplicates."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from daur.analytics.duplicates import PairScore, Party
from daur.customers.duplicates import customer_matches
from daur.customers.models import Customer
from daur.insights.realtime import customers_rescore_on_commit
from daur.leads.models import Lead


class ConversionRefused(Exception):
    """The lead cannot be converted as asked; nothing was written."""


@dataclass(frozen=True)
class Conversion:
    lead: Lead
    customer: Customer
    created: bool  # a new customer, else merged into an existing one
    filled: tuple[str, ...]  # the existing customer's blank fields that took the lead's value


def _extra(lead: Lead, name: str) -> str:
    """A lead detail from its own field or, where that is empty (a lead imported before the field
    existed, or the detail kept as a custom column), its custom field."""
    value = getattr(lead, name, None)
    if not value and isinstance(lead.custom_fields, dict):
        value = lead.custom_fields.get(name)
    return str(value or "").strip()


def lead_party(lead: Lead) -> Party:
    return Party(
        key=f"lead:{lead.pk}",
        name=lead.name,
        email=lead.email,
        phone=_extra(lead, "phone"),
        company=lead.company,
        city=_extra(lead, "city"),
        country=_extra(lead, "country"),
    )


def lead_conversion_candidates(*, lead: Lead) -> list[PairScore]:
    """The existing customers a lead duplicates, best first (PairScore.b: a customer pk)."""
    return customer_matches(lead_party(lead))


def _refuse_unless_convertible(lead: Lead) -> None:
    if lead.converted_customer_id is not None or lead.converted_at is not None:
        raise ConversionRefused(f"lead {lead.external_id} was already converted")
    if lead.stage != "won":
        raise ConversionRefused(
            f"lead {lead.external_id} is {lead.stage}: only a won lead becomes a customer"
        )


def _new_external_id(lead: Lead) -> str:
    base = f"L-{lead.external_id}"[:60]
    candidate, n = base, 1
    while Customer.objects.filter(external_id=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _lead_values(lead: Lead) -> dict:
    """What a customer learns from its lead: contact details, market, acquisition, owner."""
    return {
        "email": lead.email.strip(),
        "phone": _extra(lead, "phone"),
        "country": _extra(lead, "country"),
        "city": _extra(lead, "city"),
        "industry": _extra(lead, "industry"),
        "acquired_via": lead.source,
        "campaign_id": lead.campaign_id,
        "owner_id": lead.owner_id,
    }


@transaction.atomic
def lead_convert(*, lead_id: int, customer_id: int | None = None) -> Conversion:
    """Convert the won lead `lead_id` (pk): into the customer `customer_id` (pk) when given,
    filling only that customer's blank fields, else into a new customer. The lead's source and
    campaign become the customer's acquisition channel and campaign when it has none, the
    owner likewise; raises ConversionRefused."""
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if lead is None:
        raise ConversionRefused(f"no lead has the id {lead_id}")
    _refuse_unless_convertible(lead)
    values = _lead_values(lead)
    if customer_id is None:
        custom = {"company": lead.company} if lead.company.strip() else {}
        customer = Customer.objects.create(
            external_id=_new_external_id(lead), name=lead.name, custom_fields=custom, **values
        )
        created, filled = True, tuple(values)
    else:
        customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
        if customer is None:
            raise ConversionRefused(f"no customer has the id {customer_id}")
        filled = tuple(
            name
            for name, value in values.items()
            if value not in ("", None) and getattr(customer, name) in ("", None)
        )
        for name in filled:
            setattr(customer, name, values[name])
        if filled:
            customer.save(update_fields=[n.removesuffix("_id") for n in filled] + ["updated_at"])
        created = False
    lead.converted_customer = customer
    lead.converted_at = timezone.now()
    lead.save(update_fields=["converted_customer", "converted_at", "updated_at"])
    customers_rescore_on_commit(customer_ids=[customer.pk])
    return Conversion(lead=lead, customer=customer, created=created, filled=filled)
