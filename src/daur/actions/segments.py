"""Writes of saved segments: a customer list's query saved under a name, renamed, re-filtered
or deleted (docs/segments.md)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from daur.campaigns.models import Segment
from daur.customers.query import FilterQueryError, filters_from_query, filters_query


class SegmentRefused(ValueError):
    """The segment cannot be saved; the message says why, in one line."""


NAME_MAX = Segment._meta.get_field("name").max_length


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise SegmentRefused(_("A segment needs a name."))
    if len(name) > NAME_MAX or "\x00" in name:
        raise SegmentRefused(_("A segment name has at most %(n)d characters.") % {"n": NAME_MAX})
    return name


def _canonical(query: str) -> str:
    try:
        return filters_query(filters_from_query(query))
    except FilterQueryError as error:
        raise SegmentRefused(str(error)) from None


def _taken(name: str) -> SegmentRefused:
    return SegmentRefused(_("A segment named “%(name)s” exists already.") % {"name": name})


def segment_create(*, name: str, query: str, user=None) -> Segment:  # noqa: ANN001
    """A new segment of the list's query (stored in its canonical form, without the page);
    refused for an empty, too long or taken name and for a query the list does not understand."""
    name = _clean_name(name)
    canonical = _canonical(query)
    if Segment.objects.filter(name__iexact=name).exists():
        raise _taken(name)
    try:
        with transaction.atomic():
            return Segment.objects.create(name=name, query=canonical, created_by=user)
    except IntegrityError:
        raise _taken(name) from None


def segment_update(*, segment: Segment, name: str, query: str) -> Segment:
    """Rename the segment and change its filter, with the rules of `segment_create`; nothing is
    written when either is refused. Its recorded figures stay (they were those of its filter
    then)."""
    name = _clean_name(name)
    canonical = _canonical(query)
    if Segment.objects.filter(name__iexact=name).exclude(pk=segment.pk).exists():
        raise _taken(name)
    try:
        with transaction.atomic():
            updated = Segment.objects.filter(pk=segment.pk).update(name=name, query=canonical)
    except IntegrityError:
        raise _taken(name) from None
    if not updated:
        raise SegmentRefused(_("The segment no longer exists."))
    segment.name, segment.query = name, canonical
    return segment


def segment_delete(*, segment: Segment) -> None:
    """Delete the segment and its recorded figures; refused while a record that must keep it
    (e.g. a campaign aimed at it) points at it."""
    try:
        with transaction.atomic():
            Segment.objects.filter(pk=segment.pk).delete()
    except (ProtectedError, RestrictedError):
        raise SegmentRefused(
            _("“%(name)s” is in use (a campaign is aimed at it) and is kept.")
            % {"name": segment.name}
        ) from None
