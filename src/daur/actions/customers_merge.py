"""Merging duplicate customers into the one kept, recorded so that it can be undone exactly.

Every foreign key to a customer is listed below as MOVED (its records move to the kept customer),
DERIVED (computed by scoring: deleted with the duplicate, recomputed by the re-score), FOLLOWING
(copied by the database from a record that moves) or kept as
history (django-simple-history's rows describe the past as it was). A test fails when a model
gains a foreign key to Customer that is in none of them, so a new relation cannot be forgotten.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from daur.actions.mail import consent_derive
from daur.campaigns.members import members_flag_merged, members_unflag_merge
from daur.customers.models import Customer, CustomerMerge
from daur.insights.realtime import customers_rescore_on_commit


@dataclass(frozen=True)
class Relation:
    model: str  # "app_label.Model"
    field: str

    @property
    def label(self) -> str:
        return f"{self.model}.{self.field}"

    def manager(self) -> models.Manager:
        return apps.get_model(self.model)._default_manager


MOVED = (
    Relation("sales.Order", "customer"),
    Relation("sales.Order", "reseller"),
    Relation("engagement.Interaction", "customer"),
    Relation("servicedesk.Ticket", "customer"),
    Relation("surveys.SurveyAnswer", "customer"),
    Relation("customers.Consumer", "customer"),
    Relation("customers.Customer", "referred_by"),
    Relation("leads.Lead", "converted_customer"),
    # A membership moves too; one left ambiguous by the merge is flagged out of its campaign's
    # read-out (daur.campaigns.members).
    Relation("campaigns.CampaignMember", "customer"),
    Relation("engagement.OutboundEmail", "customer"),
    Relation("engagement.EmailConsentChange", "customer"),
)
MEMBERSHIPS = "campaigns.CampaignMember.customer"
# Records unique per customer and something else (an event's invitation, a club's membership, a
# survey round's invitation): those of the duplicate move unless the kept customer has one for
# the same thing; then the kept customer's stays, the duplicate's is set aside in the merge record
# and the undo writes it back as it was.
COLLAPSED = (
    (Relation("community.Invitation", "customer"), "event_id"),
    (Relation("community.ClubMember", "customer"), "club_id"),
    (Relation("surveys.SurveyInvitation", "customer"), "survey_round_id"),
)
DERIVED = (
    Relation("insights.CustomerScore", "customer"),
    Relation("insights.PersonaMember", "customer"),
    Relation("insights.StageChange", "customer"),
    # The consent now: the latest of the customer's consent changes (daur.actions.mail).
    Relation("engagement.EmailConsent", "customer"),
)
# Copies of another record's customer, kept by the database: an order line holds its order's
# (daur.db.line_customer), so it follows the order when the order moves, and back on undo.
FOLLOWING = (Relation("sales.OrderLine", "customer"),)
# A blank field of the kept customer takes the duplicate's value (recorded, restored by undo).
FILLED_FIELDS = (
    "email", "phone", "country", "city", "industry", "acquired_via", "campaign_id", "owner_id",
)  # fmt: skip


class MergeRefused(Exception):
    """The merge or its undo cannot be done as asked; nothing was written."""


def is_history_model(model: type[models.Model]) -> bool:
    """A django-simple-history table: a record of the past, left as it was written."""
    return hasattr(model, "instance_type")


def _customers(keep_id: str, duplicate_ids: Sequence[str]) -> tuple[Customer, list[Customer]]:
    if not duplicate_ids:
        raise MergeRefused("name at least one customer to merge into the kept one")
    if keep_id in duplicate_ids:
        raise MergeRefused(f"customer {keep_id} cannot be merged into itself")
    if len(set(duplicate_ids)) != len(duplicate_ids):
        raise MergeRefused("a customer to merge is named twice")
    wanted = [keep_id, *duplicate_ids]
    locked = Customer.objects.select_for_update().filter(external_id__in=wanted)
    found = {customer.external_id: customer for customer in locked}
    for external_id in wanted:
        if external_id not in found:
            raise MergeRefused(_absent(external_id))
    return found[keep_id], [found[d] for d in duplicate_ids]


def _absent(external_id: str) -> str:
    merge = (
        CustomerMerge.objects.filter(duplicate_external_id=external_id, undone_at__isnull=True)
        .order_by("-merged_at", "-id")
        .first()
    )
    if merge is not None:
        return (
            f"customer {external_id} was merged into {merge.kept_external_id} "
            f"(merge {merge.pk}); undo that merge first, or use {merge.kept_external_id}"
        )
    return f"no customer has the id {external_id}"


def _snapshot(customer: Customer) -> dict:
    """The customer's fields as JSON values (moments in full ISO 8601, microseconds kept)."""
    values = {}
    for field in Customer._meta.concrete_fields:
        value = getattr(customer, field.attname)
        values[field.attname] = value.isoformat() if isinstance(value, date) else value
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def _restored(snapshot: dict) -> Customer:
    values = {}
    for field in Customer._meta.concrete_fields:
        value = snapshot.get(field.attname)
        if value is not None and not isinstance(field, models.JSONField):
            value = field.to_python(value)
        values[field.attname] = value
    customer = Customer(**values)
    for field in Customer._meta.concrete_fields:
        pk = values.get(field.attname)
        target = field.related_model._default_manager if field.is_relation else None
        if target is not None and pk is not None and not target.filter(pk=pk).exists():
            setattr(customer, field.attname, None)  # deleted since the merge
    return customer


def _check_collisions(keep: Customer, duplicate: Customer) -> None:
    """A survey answer is unique per customer and moment: two at one moment cannot be one's."""
    answers = apps.get_model("surveys.SurveyAnswer")._default_manager
    moments = answers.filter(customer=duplicate).values("answered_at")
    clash = answers.filter(customer=keep, answered_at__in=moments).first()
    if clash is not None:
        raise MergeRefused(
            f"customers {keep.external_id} and {duplicate.external_id} both have a survey "
            f"answer at {clash.answered_at.isoformat()}; remove one before merging"
        )


def _move(relation: Relation, *, source_id: int, target_id: int, ids: list | None = None) -> list:
    """Point `relation` from one customer to another; returns the ids moved."""
    rows = relation.manager().filter(**{f"{relation.field}_id": source_id})
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    moved = list(rows.order_by("pk").values_list("pk", flat=True))
    if moved:
        relation.manager().filter(pk__in=moved).update(**{f"{relation.field}_id": target_id})
    return moved


def _collapse(
    relation: Relation, scope: str, *, source_id: int, target_id: int
) -> tuple[list, list[dict]]:
    """Move the source's rows whose `scope` the target has none of; set the others aside (as
    JSON rows, deleted here). Returns the moved ids and the rows set aside."""
    rows = relation.manager().filter(**{f"{relation.field}_id": source_id})
    taken = relation.manager().filter(**{f"{relation.field}_id": target_id}).values(scope)
    clashing = rows.filter(**{f"{scope}__in": taken})
    aside = json.loads(json.dumps(list(clashing.order_by("pk").values()), default=_exact))
    clashing.delete()
    return _move(relation, source_id=source_id, target_id=target_id), aside


def _exact(value: object) -> str:
    """A value as JSON text that reads back the same: moments to the microsecond (Django's
    encoder keeps milliseconds), decimals as written."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _write_back(relation: Relation, rows: list[dict]) -> None:
    """Insert rows set aside by a merge again, each value read back by its field."""
    model = apps.get_model(relation.model)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    for row in rows:
        values = {
            name: None if value is None else fields[name].to_python(value)
            for name, value in row.items()
            if name in fields
        }
        # raw, as loaddata saves: the moments stored are kept, not stamped anew (auto_now_add)
        model(**values).save_base(raw=True, force_insert=True)


def _merge_one(
    keep: Customer, duplicate: Customer, *, user, score: float | None, evidence: str
) -> CustomerMerge:
    _check_collisions(keep, duplicate)
    snapshot = _snapshot(duplicate)
    filled = {}
    if keep.referred_by_id == duplicate.pk:  # would refer to itself once merged
        filled["referred_by_id"] = duplicate.pk
        keep.referred_by_id = None
    for attname in FILLED_FIELDS:
        if getattr(keep, attname) in ("", None) and snapshot.get(attname) not in ("", None):
            filled[attname] = getattr(keep, attname)
            setattr(keep, attname, getattr(duplicate, attname))
    if filled:
        keep.save(update_fields=[a.removesuffix("_id") for a in filled] + ["updated_at"])
    moved = {}
    for relation in MOVED:
        ids = _move(relation, source_id=duplicate.pk, target_id=keep.pk)
        if ids:
            moved[relation.label] = ids
    for relation, scope in COLLAPSED:
        ids, dropped = _collapse(relation, scope, source_id=duplicate.pk, target_id=keep.pk)
        if ids:
            moved[relation.label] = ids
        if dropped:
            moved[f"set aside:{relation.label}"] = dropped
    duplicate_pk = duplicate.pk
    duplicate.delete()  # its derived rows (score, stage history, consent) go with it
    # The consent follows the latest of the moved-in changes (a duplicate's opt-out included);
    # a flag changed so is restored by the undo like a filled field.
    consent_before = keep.email_consent
    consent_derive([keep.pk])
    keep.refresh_from_db(fields=["email_consent"])
    if keep.email_consent != consent_before:
        filled["email_consent"] = consent_before
    merge = CustomerMerge.objects.create(
        kept_customer_id=keep.pk,
        kept_external_id=keep.external_id,
        duplicate_customer_id=duplicate_pk,
        duplicate_external_id=snapshot["external_id"],
        score=score,
        evidence=evidence,
        merged_by=user if getattr(user, "pk", None) else None,
        snapshot=snapshot,
        moved=moved,
        filled=filled,
    )
    members_flag_merged(
        customer_id=keep.pk,
        merge_id=merge.pk,
        moved_ids=moved.get(MEMBERSHIPS, []),
        duplicate_external_id=merge.duplicate_external_id,
    )
    return merge


@transaction.atomic
def customer_merge(
    *,
    keep_id: str,
    duplicate_ids: Sequence[str],
    user=None,  # noqa: ANN001 - the acting User, if any
    score: float | None = None,
    evidence: str = "",
) -> list[CustomerMerge]:
    """Merge the customers `duplicate_ids` (external ids) into `keep_id`: every related record
    moves, each duplicate is deleted and its merge recorded; raises MergeRefused."""
    keep, duplicates = _customers(keep_id, list(duplicate_ids))
    merges = [
        _merge_one(keep, duplicate, user=user, score=score, evidence=evidence)
        for duplicate in duplicates
    ]
    customers_rescore_on_commit(customer_ids=[keep.pk])
    return merges


@transaction.atomic
def customer_merge_undo(*, merge_id: int, user=None) -> CustomerMerge:  # noqa: ANN001
    """Restore the merged customer and move back exactly what the merge moved; raises
    MergeRefused when the merge is unknown, undone, or its kept customer was merged away."""
    merge = CustomerMerge.objects.select_for_update().filter(pk=merge_id).first()
    if merge is None:
        raise MergeRefused(f"no merge has the id {merge_id}")
    if merge.undone_at is not None:
        raise MergeRefused(f"merge {merge_id} was already undone on {merge.undone_at:%Y-%m-%d}")
    keep = Customer.objects.select_for_update().filter(pk=merge.kept_customer_id).first()
    if keep is None:
        raise MergeRefused(_absent(merge.kept_external_id))
    taken = Customer.objects.filter(external_id=merge.duplicate_external_id).exists()
    if taken or Customer.objects.filter(pk=merge.duplicate_customer_id).exists():
        raise MergeRefused(
            f"a customer with the id {merge.duplicate_external_id} exists again; "
            "the merged one cannot be restored beside it"
        )
    duplicate = _restored(merge.snapshot)
    duplicate.save(force_insert=True)
    for relation in MOVED:
        ids = merge.moved.get(relation.label)
        if ids:
            _move(relation, source_id=keep.pk, target_id=duplicate.pk, ids=ids)
    for relation, _scope in COLLAPSED:
        ids = merge.moved.get(relation.label)
        if ids:
            _move(relation, source_id=keep.pk, target_id=duplicate.pk, ids=ids)
        _write_back(relation, merge.moved.get(f"set aside:{relation.label}", []))
    _unfill(keep, merge)
    members_unflag_merge(merge.pk)
    consent_derive([keep.pk, duplicate.pk])
    merge.undone_at = timezone.now()
    merge.undone_by = user if getattr(user, "pk", None) else None
    merge.save(update_fields=["undone_at", "undone_by"])
    customers_rescore_on_commit(customer_ids=[keep.pk, duplicate.pk])
    return merge


def _unfill(keep: Customer, merge: CustomerMerge) -> None:
    """Blank again the kept customer's fields the merge filled, unless edited since."""
    changed = []
    for attname, before in merge.filled.items():
        if attname == "referred_by_id":
            keep.referred_by_id = before
        elif getattr(keep, attname) == merge.snapshot.get(attname):
            setattr(keep, attname, before)
        else:
            continue
        changed.append(attname.removesuffix("_id"))
    if changed:
        keep.save(update_fields=[*changed, "updated_at"])
