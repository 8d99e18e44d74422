"""Merging customers: everything moves, the merge is recorded, undo restores exactly, refusals."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from daur.actions import customers_merge
from daur.actions.customers_merge import (
    COLLAPSED,
    DERIVED,
    FOLLOWING,
    MOVED,
    MergeRefused,
    customer_merge,
    customer_merge_undo,
    is_history_model,
)
from daur.customers.models import Customer, CustomerMerge
from daur.insights.models import CustomerScore, StageChange
from tests.duplicates.factories import customer, related_everything

pytestmark = pytest.mark.django_db


def pointing_at(pk: int) -> dict[str, list[int]]:
    """Every record whose relation in MOVED points at customer `pk`."""
    found = {}
    for relation in MOVED:
        ids = sorted(
            relation.manager().filter(**{f"{relation.field}_id": pk}).values_list("pk", flat=True)
        )
        if ids:
            found[relation.label] = ids
    return found


def every_customer_relation() -> set[tuple[str, str]]:
    found = set()
    for model in apps.get_models(include_auto_created=True):
        if is_history_model(model):
            continue
        for field in model._meta.get_fields():
            concrete = isinstance(field, models.ForeignKey | models.OneToOneField)
            if concrete and field.related_model is Customer:
                found.add((model._meta.label, field.name))
            if isinstance(field, models.ManyToManyField) and field.related_model is Customer:
                found.add((model._meta.label, field.name))
    return found


def test_every_foreign_key_to_a_customer_is_handled_by_the_merge():
    handled = {
        (r.model, r.field) for r in (*MOVED, *DERIVED, *FOLLOWING, *(r for r, _ in COLLAPSED))
    }
    missing = every_customer_relation() - handled
    assert not missing, f"relations to Customer the merge does not handle: {sorted(missing)}"
    for relation in (*MOVED, *DERIVED, *FOLLOWING):  # and each listed one exists
        apps.get_model(relation.model)._meta.get_field(relation.field)


def test_merge_moves_every_related_record_and_records_it(django_capture_on_commit_callbacks):
    keep = customer("K1", "Adi Putra", email="", phone="0812 1111 2222")
    dup = customer("D1", "Adi Putra", email="adi@example.com", city="Jakarta")
    kept_before = related_everything(keep)
    moved = related_everything(dup)
    with django_capture_on_commit_callbacks() as callbacks:
        [merge] = customer_merge(keep_id="K1", duplicate_ids=["D1"])
    assert len(callbacks) == 1  # the kept customer's re-score
    assert not Customer.objects.filter(external_id="D1").exists()
    after = pointing_at(keep.pk)
    for label, ids in kept_before.items():
        assert after[label] == sorted(ids + moved[label])
    assert merge.moved == moved
    assert merge.duplicate_external_id == "D1" and merge.kept_external_id == "K1"
    keep.refresh_from_db()
    assert keep.email == "adi@example.com" and keep.city == "Jakarta"  # blanks filled
    assert keep.phone == "0812 1111 2222"  # not overwritten
    assert merge.filled == {"email": "", "city": ""}
    assert not CustomerScore.objects.filter(customer_id=merge.duplicate_customer_id).exists()


def test_undo_restores_the_duplicate_and_moves_back_exactly_what_moved():
    keep = customer("K1", "Adi Putra", referred_by=None)
    dup = customer("D1", "Adi Putra", email="adi@example.com", city="Jakarta", industry="retail")
    Customer.objects.filter(pk=keep.pk).update(referred_by=dup)  # the kept one was referred by it
    related_everything(keep)
    related_everything(dup)
    fields_before = Customer.objects.filter(pk=dup.pk).values().get()
    before = {pk: pointing_at(pk) for pk in (keep.pk, dup.pk)}
    [merge] = customer_merge(keep_id="K1", duplicate_ids=["D1"])
    late = related_everything(keep, scored=False)
    customer_merge_undo(merge_id=merge.pk)
    restored = Customer.objects.filter(pk=dup.pk).values().get()
    fields_before.pop("updated_at"), restored.pop("updated_at")
    assert restored == fields_before
    assert pointing_at(dup.pk) == before[dup.pk]
    kept_now = pointing_at(keep.pk)
    for label, ids in before[keep.pk].items():  # what arrived after the merge stays
        assert kept_now[label] == sorted(ids + late[label])
    keep.refresh_from_db()
    assert keep.referred_by_id == dup.pk and keep.email == "" and keep.city == ""
    merge.refresh_from_db()
    assert merge.undone_at is not None
    with pytest.raises(MergeRefused, match="already undone"):
        customer_merge_undo(merge_id=merge.pk)


def test_derived_rows_of_the_duplicate_go_and_the_kept_ones_stay():
    keep, dup = customer("K1"), customer("D1")
    related_everything(keep)
    related_everything(dup)
    customer_merge(keep_id="K1", duplicate_ids=["D1"])
    assert StageChange.objects.filter(customer=keep).count() == 1
    assert CustomerScore.objects.filter(customer=keep).count() == 1
    assert not StageChange.objects.filter(customer_id=dup.pk).exists()


def test_several_duplicates_merge_into_one_each_recorded():
    customer("K1"), customer("D1"), customer("D2")
    merges = customer_merge(keep_id="K1", duplicate_ids=["D1", "D2"])
    assert [m.duplicate_external_id for m in merges] == ["D1", "D2"]
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["K1"]


@pytest.mark.parametrize(
    ("keep", "duplicates", "message"),
    [
        ("K1", ["K1"], "into itself"),
        ("K1", [], "at least one"),
        ("K1", ["NOPE"], "no customer has the id NOPE"),
        ("NOPE", ["D1"], "no customer has the id NOPE"),
        ("K1", ["D1", "D1"], "named twice"),
    ],
)
def test_refused_merges_write_nothing(keep, duplicates, message):
    customer("K1"), customer("D1")
    with pytest.raises(MergeRefused, match=message):
        customer_merge(keep_id=keep, duplicate_ids=duplicates)
    assert Customer.objects.count() == 2 and not CustomerMerge.objects.exists()


def test_a_merge_chain_is_refused_with_the_merge_named():
    customer("A"), customer("B"), customer("C")
    [first] = customer_merge(keep_id="B", duplicate_ids=["A"])
    with pytest.raises(MergeRefused, match=f"A was merged into B \\(merge {first.pk}\\)"):
        customer_merge(keep_id="B", duplicate_ids=["A"])
    with pytest.raises(MergeRefused, match="A was merged into B"):
        customer_merge(keep_id="A", duplicate_ids=["B"])  # back into the merged-away one
    with pytest.raises(MergeRefused, match="A was merged into B"):
        customer_merge(keep_id="C", duplicate_ids=["A"])
    # B itself may go on into C; the first merge then waits for the second's undo.
    [second] = customer_merge(keep_id="C", duplicate_ids=["B"])
    with pytest.raises(MergeRefused, match="B was merged into C"):
        customer_merge_undo(merge_id=first.pk)
    customer_merge_undo(merge_id=second.pk)
    customer_merge_undo(merge_id=first.pk)
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["A", "B", "C"]


def test_a_survey_answer_at_the_same_moment_on_both_refuses_the_merge():
    from tests.duplicates.factories import BASE

    keep, dup = customer("K1"), customer("D1")
    from daur.surveys.models import SurveyAnswer

    SurveyAnswer.objects.create(customer=keep, answered_at=BASE, nps=3)
    SurveyAnswer.objects.create(customer=dup, answered_at=BASE, nps=9)
    with pytest.raises(MergeRefused, match="both have a survey answer"):
        customer_merge(keep_id="K1", duplicate_ids=["D1"])


def test_a_failure_midway_leaves_nothing_half_written(monkeypatch):
    keep, dup = customer("K1"), customer("D1", email="d@example.com")
    related_everything(dup)
    before = {pk: pointing_at(pk) for pk in (keep.pk, dup.pk)}
    real_move, calls = customers_merge._move, []

    def failing_move(relation, **kwargs):
        calls.append(relation)
        if len(calls) == 4:
            raise RuntimeError("the database went away")
        return real_move(relation, **kwargs)

    monkeypatch.setattr(customers_merge, "_move", failing_move)
    with pytest.raises(RuntimeError):
        customer_merge(keep_id="K1", duplicate_ids=["D1"])
    assert {pk: pointing_at(pk) for pk in (keep.pk, dup.pk)} == before
    keep.refresh_from_db()
    assert keep.email == "" and Customer.objects.filter(pk=dup.pk).exists()
    assert not CustomerMerge.objects.exists()


def test_an_invitation_both_had_stays_the_kept_one_and_comes_back_on_undo():
    from datetime import UTC, datetime

    from daur.community.models import Event, Invitation

    keep, dup = customer("K-INV", "Ani Jaya"), customer("D-INV", "Ani Jaya")
    both = Event.objects.create(name="Both", starts_at=datetime(2026, 1, 5, 18, tzinfo=UTC))
    own = Event.objects.create(name="Own", starts_at=datetime(2026, 2, 5, 18, tzinfo=UTC))
    Invitation.objects.create(event=both, customer=keep, rsvp="maybe")
    aside = Invitation.objects.create(event=both, customer=dup, rsvp="yes", attended=True)
    moved = Invitation.objects.create(event=own, customer=dup, rsvp="no")
    before = Invitation.objects.filter(pk=aside.pk).values().get()
    [merge] = customer_merge(keep_id="K-INV", duplicate_ids=["D-INV"])
    assert sorted(keep.event_invitations.values_list("event__name", "rsvp")) == [
        ("Both", "maybe"), ("Own", "no"),
    ]
    assert not Invitation.objects.filter(pk=aside.pk).exists()
    customer_merge_undo(merge_id=merge.pk)
    restored = Customer.objects.get(external_id="D-INV")
    assert Invitation.objects.filter(pk=aside.pk).values().get() == before
    assert Invitation.objects.get(pk=moved.pk).customer_id == restored.pk
    assert list(keep.event_invitations.values_list("event__name", flat=True)) == ["Both"]
