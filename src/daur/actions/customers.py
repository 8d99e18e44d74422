"""Writes of one customer: create and update, each atomic, each recorded in the customer's history
with the acting user and re-scoring the customer once the transaction commits.

The values arrive validated (daur.web's customer form validates them with the import's own
parsers); the role rule is checked here again, so that no interface can skip it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from daur.accounts.models import User
from daur.actions.mail import consent_set
from daur.customers.access import customers_creatable_by, customers_editable_by
from daur.customers.history import IMPORTED
from daur.customers.models import Customer
from daur.insights.realtime import customers_rescore_on_commit

# What a person may set on a customer (the customer id only when creating it: the import matches
# rows on it). The owner is set by admins and managers; a sales rep's customers are their own.
EDITABLE_FIELDS = (
    "name", "kind", "relationship", "email", "phone", "country", "city", "industry",
    "acquired_via", "email_consent", "language", "owner_id",
)


class CustomerChanged(Exception):
    """Someone else saved the customer since the form was opened: nothing was written."""

    def __init__(self, customer: Customer) -> None:
        super().__init__(f"customer {customer.pk} changed since it was read")
        self.customer = customer


def customer_version(customer: Customer) -> str:
    """A fingerprint of the editable values: a form carries the one it was opened with, and a save
    over values that have changed since is refused (a conflict, not a silent overwrite)."""
    values = [getattr(customer, name) for name in EDITABLE_FIELDS]
    return hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()[:20]


def _fields(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in EDITABLE_FIELDS if name in values}


def _new_external_id() -> str:
    """A customer id for a customer added without one (an import may later name it)."""
    return f"D{uuid.uuid4().hex[:12].upper()}"


@transaction.atomic
def customer_create(*, user: User, values: Mapping[str, Any]) -> Customer:
    """Add a customer; a sales rep's is their own, whatever owner the values name."""
    if not customers_creatable_by(user):
        raise PermissionDenied("This role does not add customers.")
    fields = _fields(values)
    if not user.sees_everything:
        fields["owner_id"] = user.pk
    customer = Customer(external_id=values.get("external_id") or _new_external_id(), **fields)
    customer._history_user = user
    customer.save()
    if not customer.email_consent:  # added as not to be e-mailed: an opt-out
        _consent_record(customer, user)
    customers_rescore_on_commit(customer_ids=[customer.pk])
    return customer


@transaction.atomic
def customer_update(
    *, user: User, customer_id: int, values: Mapping[str, Any], version: str = ""
) -> Customer:
    """Change the editable values of a customer the user may edit (Customer.DoesNotExist for any
    other); CustomerChanged when `version` is given and the customer changed since. Saving the
    values it already has writes nothing."""
    customer = customers_editable_by(user).select_for_update().filter(pk=customer_id).first()
    if customer is None:
        raise Customer.DoesNotExist(f"No customer {customer_id} editable by this user.")
    if version and version != customer_version(customer):
        raise CustomerChanged(customer)
    fields = _fields(values)
    if not user.sees_everything:
        fields.pop("owner_id", None)
    changed = [name for name, value in fields.items() if getattr(customer, name) != value]
    if not changed:
        return customer
    _record_imported_state(customer)
    for name in changed:
        setattr(customer, name, fields[name])
    customer._history_user = user
    customer.save(update_fields=[*changed, "updated_at"])
    if "email_consent" in changed:
        _consent_record(customer, user)
    customers_rescore_on_commit(customer_ids=[customer.pk])
    return customer


def _consent_record(customer: Customer, user: User) -> None:
    """A staff member ticked or unticked the consent to e-mail: recorded as an opt-in or an
    opt-out with its history (daur.actions.mail)."""
    status = "opted_in" if customer.email_consent else "opted_out"
    consent_set(customer_id=customer.pk, status=status, source="staff", user=user)


def _record_imported_state(customer: Customer) -> None:
    """Write down the customer's current values as an import's, when its history does not end on
    them (a customer imported, or re-imported since its last change here), so that the next entry
    shows only what the user changed."""
    history = Customer.history.model
    tracked = [field.attname for field in history.tracked_fields]
    last = Customer.history.filter(id=customer.pk).order_by("-history_date", "-history_id")
    last = last.values(*tracked).first()
    current = {name: getattr(customer, name) for name in tracked}
    if last == current:
        return
    history.objects.create(
        **current,
        history_date=customer.updated_at,
        history_type="~" if last else "+",
        history_user=None,
        history_change_reason=IMPORTED,
    )
